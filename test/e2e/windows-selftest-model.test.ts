import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SelfTestReport } from '../../harness/engine/self-test-session.js';
import { projectRoot } from '../../harness/lab/paths.js';
import { runCli } from '../support/engine-cli.js';
import { tempDir } from '../support/tmp.js';
import { modelBaseline, type ModelState } from '../support/windows-model/run.js';
import { PwshExecutor } from '../support/winrm-server/pwsh-executor.js';
import { WinRmTestServer } from '../support/winrm-server/server.js';

/**
 * `chaoslab selftest` on a lab of modelled Windows hosts: a domain controller, a
 * member server and a workstation, each a WinRM test server that runs every
 * command line chaoslab sends in real pwsh, in ConstrainedLanguage, against its
 * own Windows model state (test/support/windows-model). The built CLI proves every
 * shipped Windows scenario the way it would on real hosts: snapshot, inject, drift
 * confirmed, revert, the same snapshot again. The transport runs its default
 * execution model (one persistent PowerShell host per machine, probes as cmd.exe
 * `exit 0`); each script that host receives runs in its own pwsh here.
 */
const ROLES = { dc01: 'dc', srv01: 'srv', ws01: 'ws' } as const;
let dir: Awaited<ReturnType<typeof tempDir>>;

/**
 * A fresh host of the role; the workstation also has a Private Wi-Fi network, since
 * a network that is DomainAuthenticated cannot be switched to Public (the fault's
 * preflight says so) and a laptop in a domain lab usually has one.
 */
async function hostState(role: 'dc' | 'srv' | 'ws'): Promise<ModelState> {
  const state = await modelBaseline(role);
  if (role === 'ws') {
    const nics = (state.network as { interfaces: Record<string, Record<string, unknown>> }).interfaces;
    nics['Wi-Fi'] = { ...structuredClone(nics['Ethernet']!), index: 17, guid: '{00000017-0000-4000-8000-00000000C1AB}', category: 'Private', profileName: 'Lab Wi-Fi', suffix: '' };
  }
  return state;
}
const servers: WinRmTestServer[] = [];
let labFile: string;

beforeAll(async () => {
  dir = await tempDir('chaoslab-win-selftest-');
  const hosts: string[] = [];
  for (const [name, role] of Object.entries(ROLES)) {
    const statePath = join(dir.path, `${name}.json`);
    await writeFile(statePath, JSON.stringify(await hostState(role)));
    const executor = new PwshExecutor({ statePath, tempDir: join(dir.path, `${name}-temp`), constrained: true, timeoutMs: 300_000 });
    const server = await WinRmTestServer.start({ auth: 'ntlm', user: 'chaoslab', password: 'pw', rules: [executor.rule()] });
    servers.push(server);
    hosts.push(
      `  - name: ${name}`,
      '    platform: windows',
      `    roles: [${role}, windows]`,
      '    address: 127.0.0.1',
      // a WinRM test listener on loopback, not this machine's own Windows
      '    allow_controller: true',
      `    transport: { kind: winrm, scheme: http, port: ${server.port}, auth: ntlm, user: 'LAB\\chaoslab', password: 'env:WIN_PASSWORD', operation_timeout: 60s }`,
    );
  }
  labFile = join(dir.path, 'lab.yaml');
  await writeFile(labFile, ['name: modelled-windows', 'hosts:', ...hosts, ''].join('\n'));
}, 120_000);

afterAll(async () => {
  for (const server of servers) await server.close();
  await dir?.[Symbol.asyncDispose]();
});

describe('chaoslab selftest on modelled Windows hosts', () => {
  it('proves every shipped Windows scenario sound, under ConstrainedLanguage, and leaves no revert pending', async () => {
    const scenarios = join(projectRoot(), 'scenarios', 'windows');
    const result = await runCli(['selftest', scenarios, '--lab', labFile, '--no-pause', '--out', join(dir.path, 'reports'), '--json'], {
      cwd: dir.path,
      env: { WIN_PASSWORD: 'pw', CHAOSLAB_STATE_DIR: join(dir.path, 'state') },
    });
    if (!result.stdout.trim()) throw new Error(`selftest printed nothing (exit ${result.code}): ${result.stderr}`);
    const report = JSON.parse(result.stdout) as SelfTestReport;
    const unsound = report.results.filter((r) => r.status !== 'sound').map((r) => `${r.attemptId}: ${r.status}: ${r.detail}`);
    expect(unsound, result.stderr).toEqual([]);
    expect(result.code).toBe(0);
    const shipped = (await readdir(scenarios)).filter((f) => f.endsWith('.yaml')).length;
    expect(new Set(report.results.map((r) => r.scenarioId)).size).toBe(shipped);
    for (const r of report.results.filter((r) => r.snapshotBefore !== undefined)) expect(r.snapshotAfter).toBe(r.snapshotBefore);
    expect(await readdir(join(dir.path, 'state', 'journal')).catch(() => [] as string[])).not.toContainEqual(expect.stringMatching(/\.json$/));
  }, 1_800_000);
});

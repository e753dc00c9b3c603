import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadProject } from '../../harness/config/load-project.js';
import { healerPauseOf } from '../../harness/engine/healer-control.js';
import { planRun } from '../../harness/engine/plan.js';
import { tempDir } from '../support/tmp.js';

/**
 * docs/ci/windows-selftest.yml cannot run here (it needs a Windows runner),
 * so its moving parts are run as far as Linux allows: the step that prepares
 * the extra scenarios runs for real, and the inventories it writes for each
 * transport load with the shipped Windows scenarios and those, plan every one
 * of them (the management-plane guard included), and need no healer paused.
 */
const WORKFLOW = resolve('docs/ci/windows-selftest.yml');
const run = promisify(execFile);

interface Step { name?: string; run?: string; if?: string }

async function workflow() {
  const doc = parse(await readFile(WORKFLOW, 'utf8')) as { jobs: { selftest: { 'runs-on': string; strategy: { matrix: { transport: string[] } }; steps: Step[] } } };
  return doc.jobs.selftest;
}

const step = (steps: Step[], name: string) => steps.find((s) => s.name === name)!;

describe('the Windows self-test workflow', () => {
  it('runs on windows-2022 over both transports and uploads the reports whatever happens', async () => {
    const job = await workflow();
    expect(job['runs-on']).toBe('windows-2022');
    expect(job.strategy.matrix.transport).toEqual(['winrm', 'ssh']);
    expect(step(job.steps, 'Self-test every Windows fault').run).toBe('node bin/chaoslab.js selftest --lab lab.yaml scenarios/windows selftest --out reports/selftest');
    expect(job.steps.at(-1)).toMatchObject({ uses: 'actions/upload-artifact@v4', if: 'always()', with: { path: 'reports/' } });
  });

  it.each(['winrm', 'ssh'])('its %s inventory and prepared scenarios load and plan every Windows fault but the Guest account', async (transport) => {
    const job = await workflow();
    await using dir = await tempDir('win-selftest-');
    await symlink(resolve('scenarios'), join(dir.path, 'scenarios'));
    await symlink(resolve('node_modules'), join(dir.path, 'node_modules'));
    const script = /node --input-type=module -e '\n([^]*?)'\n/.exec(step(job.steps, 'Prepare the self-test scenarios').run!)![1]!;
    await mkdir(join(dir.path, 'selftest'));
    await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir.path });

    const inventoryStep = step(job.steps, 'A one-host inventory').run!;
    const [, winrmAddress, winrmTransport, sshAddress, sshTransport] = /'winrm'\) \{\n\s*'([^']+)', "([^"]+)"\n\s*\} else \{\n\s*'([^']+)', "([^"]+)"/.exec(inventoryStep)!;
    const [address, transportYaml] = transport === 'winrm' ? [winrmAddress!, winrmTransport!] : [sshAddress!, sshTransport!];
    const hereString = /@"\n([^]*?)\n\s*"@/.exec(inventoryStep)![1]!;
    const indent = /^(\s*)/.exec(hereString)![1]!.length;
    const lab = hereString.split('\n').map((line) => line.slice(indent)).join('\n').replace('${{ matrix.transport }}', transport).replace('$address', address).replace('$transport', transportYaml);
    await writeFile(join(dir.path, 'lab.yaml'), lab);

    const project = await loadProject({ scenarioPaths: [join(dir.path, 'scenarios', 'windows'), join(dir.path, 'selftest')], labPath: join(dir.path, 'lab.yaml') });
    // WinRM by the name in its self-signed certificate, SSH by the address ssh-keyscan pinned
    expect(project.lab!.hosts.map((h) => [h.name, h.address, h.transport.kind])).toEqual([['win2022', transport === 'winrm' ? 'localhost' : '127.0.0.1', transport]]);
    const faults = new Set(project.catalogue.scenarios.map((s) => s.fault!.definition.name));
    expect([...faults].sort()).toEqual(
      ['audit_policy_disabled', 'defender_exclusion', 'dns_client_hijack', 'firewall_profiles_off', 'network_profile_public', 'registry_value', 'run_key_persistence', 'scheduled_task_persistence', 'service_state', 'smb_signing_not_required'].map((f) => `windows.${f}`),
    );
    // `healer: none`: selftest has nothing to pause and does not refuse the host
    expect(healerPauseOf(project.lab!, project.lab!.hosts[0]!)).toMatchObject({ kind: 'absent' });
    const plan = planRun(project.catalogue, project.lab!);
    expect(plan.attempts).toHaveLength(12);
    expect(plan.attempts.filter((a) => a.skip)).toEqual([]);
  });
});

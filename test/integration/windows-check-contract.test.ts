import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostSchema } from '../../harness/config/lab-schema.js';
import { systemClock } from '../../harness/core/clock.js';
import { silentLogger } from '../../harness/core/logger.js';
import { driftedWhen, notApplicableWhen } from '../../harness/faults/windows/common.js';
import { psCheck, psStepCheck, UTF8_PRELUDE } from '../../harness/quoting/powershell.js';
import { powershellInvocation } from '../../harness/quoting/shell.js';
import { armCheck, readCheck, type CheckOutcome } from '../../harness/transport/check-outcome.js';
import { decodeClixml } from '../../harness/transport/clixml.js';
import { createSshTransport } from '../../harness/transport/ssh.js';
import type { ExecResult, Transport } from '../../harness/transport/transport.js';
import { createWinRmTransport } from '../../harness/transport/winrm.js';
import { pwshPath } from '../support/pwsh.js';
import { fixtureTransportContext, sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';
import { writePowerShellShim, type PowerShellShim } from '../support/windows-model/powershell-exe-shim.js';
import { PwshExecutor } from '../support/winrm-server/pwsh-executor.js';
import { WinRmTestServer } from '../support/winrm-server/server.js';

/**
 * One check contract whatever runs the check. The same checks — built by the
 * fault library's shared helpers — run in real pwsh against the Windows model
 * (its test-fixture area contract-probe.ps1), in ConstrainedLanguage, through:
 * (a) WinRM: chaoslab's client → the test server, which runs each command line
 *     in pwsh (long scripts through the real chunk upload and bootstrap);
 * (b) OpenSSH: chaoslab's ssh transport → a real sshd whose login shell is pwsh
 *     (as Windows' OpenSSH with DefaultShell = powershell.exe), which runs the
 *     `powershell.exe -EncodedCommand …` line through a stand-in on PATH
 *     (test/support/windows-model/powershell-exe-shim.ts);
 * (c) `pwsh -c` wrapping that same line, locally.
 * (b) and (c) turn the probe error's exit 2 into 1, as `powershell -c` does on
 * Windows: only the verdict marker keeps it a probe error.
 */
// The language-mode test makes "compliant" prove the check really ran constrained.
const SETTING_DRIFTED = "(Get-ChaoslabContractProbe).Setting -ne 'compliant' -or $ExecutionContext.SessionState.LanguageMode -ne 'ConstrainedLanguage'";
const CHECKS = {
  check: psCheck(driftedWhen(SETTING_DRIFTED)),
  applicable: notApplicableWhen({ when: '-not (Get-ChaoslabContractProbe).Applies', reason: "the probe is off here: it's a test" }),
  step: psStepCheck("if ((Get-ChaoslabContractProbe -ErrorAction Stop).Setting -ne 'compliant') { exit 1 }\nexit 0"),
  // over 8191 characters: WinRM uploads it in chunks and runs it through the bootstrap
  long: psCheck(...Array.from({ length: 300 }, (_, i) => `# line ${i} of padding that makes this check too long for one cmd.exe line`), driftedWhen(SETTING_DRIFTED)),
} as const;

const STATES = {
  compliant: {},
  drifted: { contractProbe: { setting: 'drifted', applies: true } },
  off: { contractProbe: { setting: 'compliant', applies: false } },
  unreadable: { unreadable: ['contract-probe'] },
} as const;

const CASES: readonly [keyof typeof CHECKS, keyof typeof STATES, CheckOutcome['kind']][] = [
  ['check', 'compliant', 'compliant'],
  ['check', 'drifted', 'drifted'],
  ['check', 'unreadable', 'probe_error'],
  ['applicable', 'off', 'drifted'],
  ['applicable', 'unreadable', 'probe_error'],
  ['step', 'drifted', 'drifted'],
  ['step', 'unreadable', 'probe_error'],
  ['long', 'unreadable', 'probe_error'],
];

interface Path {
  readonly statePath: string;
  exec(script: string): Promise<ExecResult>;
}

const cleanup: (() => Promise<void>)[] = [];
const paths: Record<'winrm' | 'openssh' | 'pwsh -c', Path> = {} as never;

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function winrmPath(): Promise<Path> {
  const dir = await tempDir('chaoslab-contract-winrm-');
  const statePath = join(dir, 'state.json');
  const executor = new PwshExecutor({ statePath, tempDir: join(dir, 'temp'), constrained: true });
  const server = await WinRmTestServer.start({ auth: 'ntlm', user: 'chaoslab', password: 'pw', rules: [executor.rule()] });
  cleanup.push(() => server.close());
  const host = hostSchema.parse({ name: 'ws01', platform: 'windows', address: '127.0.0.1', transport: { kind: 'winrm', scheme: 'http', port: server.port, auth: 'ntlm', user: 'LAB\\chaoslab', password: 'env:P', operation_timeout: '60s', execution: 'process' } });
  const transport: Transport = createWinRmTransport(host, { resolveSecret: async () => 'pw', clock: systemClock, logger: silentLogger, baseDir: dir });
  cleanup.push(() => transport.close());
  return { statePath, exec: (script) => transport.exec(script, { timeoutMs: 120_000 }) };
}

async function opensshPath(): Promise<Path> {
  const shim = await writePowerShellShim(await tempDir('chaoslab-contract-ssh-'), true);
  const sshd: SshdFixture = await startSshd({ loginShell: pwshPath(), extraConfig: [`SetEnv ${Object.entries(shim.env).map(([k, v]) => `${k}=${v}`).join(' ')}`] });
  cleanup.push(async () => sshd[Symbol.asyncDispose]());
  const transport = createSshTransport(sshdHostConfig(sshd, { transport: { shell: 'powershell', default_shell: 'powershell' } }), fixtureTransportContext());
  cleanup.push(() => transport.close());
  return { statePath: shim.statePath, exec: (script) => transport.exec(script, { timeoutMs: 120_000 }) };
}

async function pwshDashCPath(): Promise<Path> {
  const shim: PowerShellShim = await writePowerShellShim(await tempDir('chaoslab-contract-c-'), true);
  return { statePath: shim.statePath, exec: (script) => pwshDashC(powershellInvocation(UTF8_PRELUDE + script), shim.env) };
}

/** What OpenSSH for Windows does with DefaultShell = powershell.exe: `<shell> -c <command line>`. */
function pwshDashC(commandLine: string, env: Record<string, string>): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(pwshPath(), ['-NoProfile', '-c', commandLine], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ stdout, stderr: decodeClixml(stderr), exitCode, durationMs: 0 }));
  });
}

beforeAll(async () => {
  paths.winrm = await winrmPath();
  paths.openssh = await opensshPath();
  paths['pwsh -c'] = await pwshDashCPath();
}, 300_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe('the check contract is the same over WinRM, OpenSSH with a pwsh login shell, and pwsh -c (ConstrainedLanguage)', () => {
  it.each(CASES)('%s on a %s host → %s on every path that can carry it', async (check, state, expected) => {
    // A script longer than a Windows command line (32767 characters) reaches a host only in chunks through
    // cmd.exe: over WinRM here (and over OpenSSH with DefaultShell cmd.exe: ssh-powershell-chunked.test.ts).
    const on = Object.entries(paths).filter(([name]) => check !== 'long' || name === 'winrm');
    const results = await Promise.all(
      on.map(async ([name, path]) => {
        await writeFile(path.statePath, JSON.stringify({ role: 'ws', ...STATES[state] }));
        const armed = armCheck(CHECKS[check]);
        expect(armed.nonce).toBeDefined();
        const result = await path.exec(armed.script);
        return { name, result, outcome: readCheck(result, armed.nonce) };
      }),
    );
    const seen = Object.fromEntries(results.map(({ name, outcome, result }) => [name, `${outcome.kind}${'detail' in outcome && outcome.detail ? ` (${outcome.detail})` : ''} [exit ${result.exitCode}]`]));
    for (const { outcome } of results) expect(outcome.kind, JSON.stringify(seen, null, 2)).toBe(expected);
    if (expected === 'probe_error') {
      for (const { outcome } of results) expect(outcome).toMatchObject({ detail: expect.stringContaining('Access is denied') });
      const exits = Object.fromEntries(results.map(({ name, result }) => [name, result.exitCode]));
      // The reason for markers: the shell around PowerShell turned 2 into 1, the code for drift.
      expect(exits).toEqual(Object.fromEntries(on.map(([name]) => [name, name === 'winrm' ? 2 : 1])));
    }
    if (state === 'off') for (const { outcome } of results) expect(outcome).toMatchObject({ detail: "the probe is off here: it's a test" });
  }, 600_000);
});

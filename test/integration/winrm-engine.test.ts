import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProject } from '../../harness/config/load-project.js';
import { systemClock } from '../../harness/core/clock.js';
import { planRun } from '../../harness/engine/plan.js';
import { runSession } from '../../harness/engine/session.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import { tempDir } from '../support/tmp.js';
import { CONTROLLER_HOST_LINES } from '../support/sshd.js';
import { WinRmTestServer } from '../support/winrm-server/server.js';
import type { ScriptRule } from '../support/winrm-server/shell-host.js';

/**
 * The engine running a Windows scenario end to end over WinRM (NTLM, sealed
 * messages over HTTP) against the test server. The server plays a DC whose
 * firewall state follows the fault's own PowerShell: inject drifts it, a
 * scripted healer restores it after a delay and reports over HTTP, revert
 * restores the snapshot. No Windows host exists here; the scripts are matched,
 * not executed.
 */
const PASSWORD = 'engine-pass';
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  delete process.env.CHAOSLAB_E2E_WINRM_PASSWORD;
  while (open.length) await open.pop()!.close();
});

interface FirewallHost {
  injectedAt?: number;
  healedAt?: number;
  reverted: string[];
  /** Check scripts hang (as a wedged WinRM service does) once the fault is injected. */
  hangChecksAfterInject: boolean;
  /** Group Policy sets the firewall profiles' state (the RSOP store says so). */
  gpoManaged?: boolean;
  /** Check scripts fail (exit 2, CLIXML on stderr, as the check wrapper reports an error) once the fault is injected. */
  checksErrAfterInject?: boolean;
  /** The first check after the injection restarts the WinRM service while it runs. */
  restartDuringObserve?: { server?: WinRmTestServer; restart?: Promise<void> };
}

/** What PowerShell writes to a redirected stderr for the wrapper's `check failed: …` line. */
const ACCESS_DENIED = '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">check failed: Access is denied._x000D__x000A_</S></Objs>';

const SNAPSHOT = '[{"name":"Domain","enabled":true},{"name":"Private","enabled":true},{"name":"Public","enabled":true}]';

function firewallRules(state: FirewallHost, healAfterMs: number): ScriptRule[] {
  const drifted = () => state.injectedAt !== undefined && state.reverted.length === 0 && (state.healedAt === undefined || Date.now() < state.healedAt);
  return [
    { match: /UtcNow\.Ticks/, reply: () => ({ stdout: `${Date.now()}\r\n` }) },
    { match: /-PolicyStore RSOP/, reply: () => (state.gpoManaged ? { stdout: 'GPO-managed: Group Policy sets the firewall state of these profiles\r\n', exitCode: 1 } : {}) },
    { match: /ConvertTo-Json[^]*Get-NetFirewallProfile/, reply: { stdout: `${SNAPSHOT}\r\n` } },
    {
      match: /Set-NetFirewallProfile -Name 'Domain','Private','Public' -Enabled False/,
      reply: () => {
        state.injectedAt = Date.now();
        state.healedAt = state.injectedAt + healAfterMs;
        return {};
      },
    },
    {
      match: /-PolicyStore ActiveStore [^]*Where-Object \{ \[string\]\$_\.Enabled -ne 'True' \}/,
      reply: () => {
        const injected = state.injectedAt !== undefined && state.reverted.length === 0;
        if (injected && state.hangChecksAfterInject) return { delayMs: 60_000 };
        if (injected && state.checksErrAfterInject) return { stderr: ACCESS_DENIED, exitCode: 2 };
        const restarting = state.restartDuringObserve;
        if (injected && restarting?.server && !restarting.restart) {
          restarting.restart = restarting.server.restartService({ refusedMs: 300, unavailableMs: 400, badRequestMs: 200 });
          return { delayMs: 2000, exitCode: 1 };
        }
        return { exitCode: drifted() ? 1 : 0 };
      },
    },
    { match: /foreach \(\$entry in @\(\$snapshot\)\)/, reply: (script) => (state.reverted.push(script), {}) },
    // The agent's JSONL log: measured before the injection, then followed from that byte offset: one line once healed.
    { match: /\$path = 'C:\\ProgramData\\Agent\\events\.jsonl'\nif \(Test-Path[^]*FileId/, reply: { stdout: `${LOG_IDENTITY} ${LOG_SIZE}\r\n` } },
    { match: /\$path = 'C:\\ProgramData\\Agent\\events\.jsonl'[^]*chaoslab-tail/, reply: () => ({ live: agentLog(state) }) },
  ];
}

function healedEvent(state: FirewallHost) {
  return { kind: 'healed', at: new Date(state.healedAt!).toISOString(), host: 'dc01', check_type: 'firewall_status', runbook: 'RB-WIN-SEC-001', tier: 'L1', id: 'h1' };
}

/** The agent log's volume serial and file id, and its length before the attempt, as the measuring script prints them. */
const LOG_IDENTITY = '5e2a91c0-000500000000a1b2';
const LOG_SIZE = 1_048_576;

/** The follow script's output: its header (same file, from the measured offset), then the heal line. */
function agentLog(state: FirewallHost): () => string | undefined {
  let header = false;
  let written = false;
  return () => {
    if (!header) {
      header = true;
      return `chaoslab-tail ${LOG_IDENTITY} ${LOG_SIZE}\n`;
    }
    if (written || state.healedAt === undefined || Date.now() < state.healedAt) return undefined;
    written = true;
    return `${JSON.stringify(healedEvent(state))}\r\n`;
  };
}

const OBSERVERS = {
  http: (port: number) => `{ name: telemetry, kind: http, url: 'http://127.0.0.1:${port}/events', poll_interval: 200ms, kinds: { healed: claimed_healed }, fields: { runbook: runbook, tier: tier, id: id } }`,
  log: () => `{ name: agent-log, kind: log, path: 'C:\\ProgramData\\Agent\\events.jsonl', kinds: { healed: claimed_healed }, fields: { runbook: runbook, tier: tier, id: id } }`,
};

/** The healing stack's telemetry: one `healed` event once the scripted heal happened. */
async function telemetry(state: FirewallHost): Promise<Server> {
  const server = createServer((req, res) => {
    const events = state.healedAt !== undefined && Date.now() >= state.healedAt ? [healedEvent(state)] : [];
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(events));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  return server;
}

async function runWindowsScenario(state: FirewallHost, healAfterMs: number, observer: keyof typeof OBSERVERS = 'http') {
  const winrm = await WinRmTestServer.start({ auth: 'ntlm', user: 'chaoslab', password: PASSWORD, rules: firewallRules(state, healAfterMs) });
  open.push(winrm);
  if (state.restartDuringObserve) state.restartDuringObserve.server = winrm;
  const api = await telemetry(state);
  const dir = await tempDir('winrm-engine-');
  open.push({ close: () => dir[Symbol.asyncDispose]() });
  await mkdir(join(dir.path, 'scenarios'));
  await writeFile(join(dir.path, 'scenarios', 'win-dc-firewall.yaml'), `id: win-dc-firewall
title: DC firewall profiles disabled
platform: windows
target: dc
check_type: firewall_status
resources: [firewall]
sla: 6s
window: 10s
hold: 1s
probe_interval: 250ms
timeout: 3s
expect: { outcome: heal, tier: L1, runbook: RB-WIN-SEC-001 }
fault: { use: windows.firewall_profiles_off }
`);
  const labFile = join(dir.path, 'lab.yaml');
  await writeFile(labFile, `name: winrm-e2e
clock_skew_tolerance: 2s
hosts:
  - name: dc01
    platform: windows
    roles: [dc]
${CONTROLLER_HOST_LINES.join('\n')}
    transport: { kind: winrm, scheme: http, auth: ntlm, port: ${winrm.port}, user: 'LAB\\chaoslab', password: env:CHAOSLAB_E2E_WINRM_PASSWORD, operation_timeout: 2s, max_retries: 1 }
observers:
  - ${OBSERVERS[observer]((api.address() as AddressInfo).port)}
`);
  process.env.CHAOSLAB_E2E_WINRM_PASSWORD = PASSWORD;
  const project = await loadProject({ scenarioPaths: [join(dir.path, 'scenarios')], labPath: labFile });
  const journal = new RevertJournal(join(dir.path, 'journal'));
  const result = await runSession({
    lab: project.lab!,
    labFile,
    plan: planRun(project.catalogue, project.lab!),
    concurrency: 1,
    reportsRoot: join(dir.path, 'reports'),
    argv: ['run'],
    journal,
    clock: systemClock,
    interrupt: new AbortController().signal,
    version: 'test',
  });
  return { result, winrm, journal };
}

describe('engine over WinRM: a Windows scenario end to end', () => {
  it('inject → drift confirmed → scripted heal claimed and verified → hold → revert: healed', async () => {
    const state: FirewallHost = { reverted: [], hangChecksAfterInject: false };
    const { result, winrm, journal } = await runWindowsScenario(state, 1500);
    const [attempt] = result.model.attempts;
    expect(attempt!.verdict).toMatchObject({ kind: 'healed' });
    expect(result.exitCode).toBe(0);
    // the fault's own PowerShell went over the wire, the revert carried the snapshot as a literal
    const scripts = winrm.host.scripts().map((r) => r.script);
    expect(scripts.some((s) => s.includes("Set-NetFirewallProfile -Name 'Domain','Private','Public' -Enabled False"))).toBe(true);
    expect(state.reverted).toHaveLength(1);
    expect(state.reverted[0]).toContain(`ConvertFrom-Json -InputObject '${SNAPSHOT}'`);
    expect((await journal.pending()).entries).toEqual([]);
    expect(winrm.stats.encryptedMessages).toBeGreaterThan(0);
  });

  it('the same heal read from the agent log followed over WinRM from its measured end (log observer)', async () => {
    const state: FirewallHost = { reverted: [], hangChecksAfterInject: false };
    const { result, winrm } = await runWindowsScenario(state, 1500, 'log');
    const [attempt] = result.model.attempts;
    expect(attempt!.verdict).toMatchObject({ kind: 'healed' });
    expect(result.exitCode).toBe(0);
    const tail = winrm.host.scripts().find((r) => r.script.includes('chaoslab-tail'));
    expect(tail).toBeDefined();
    // it starts where the log ended before the injection, by byte offset and file identity
    expect(tail!.script).toContain(`$wanted = '${LOG_IDENTITY}'; $offset = [long]'${LOG_SIZE}'`);
    // the tail ran in its own shell, terminated and deleted when the attempt stopped watching
    expect(winrm.host.scripts().filter((r) => r.shellId === tail!.shellId)).toEqual([tail]);
    expect(winrm.host.signals.some((signal) => signal.shellId === tail!.shellId)).toBe(true);
    expect(winrm.host.shells.has(tail!.shellId)).toBe(false);
  });

  it('a GPO-managed firewall is skipped as not_applicable: nothing injected, nothing counted against the healer', async () => {
    const state: FirewallHost = { reverted: [], hangChecksAfterInject: false, gpoManaged: true };
    const { result, winrm, journal } = await runWindowsScenario(state, 1500);
    const [attempt] = result.model.attempts;
    expect(attempt!.verdict).toEqual({ kind: 'skipped', reason: 'not_applicable', detail: 'not applicable here: GPO-managed: Group Policy sets the firewall state of these profiles' });
    expect(winrm.host.scripts().some((r) => r.script.includes('Set-NetFirewallProfile'))).toBe(false);
    expect(state.injectedAt).toBeUndefined();
    expect((await journal.pending()).entries).toEqual([]);
  });

  it('a check that keeps erring is probe_error (never flapped or not_healed), its CLIXML decoded in the detail; the fault is reverted', async () => {
    const state: FirewallHost = { reverted: [], hangChecksAfterInject: false, checksErrAfterInject: true };
    const { result } = await runWindowsScenario(state, 60_000);
    const [attempt] = result.model.attempts;
    expect(attempt!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'probe_error', detail: 'confirm_drift: check exited 2: check failed: Access is denied.' });
    expect(state.reverted).toHaveLength(1);
  });

  it('a WinRM service restart while a check runs: the check is run again after reconnecting and the attempt still gets its verdict', async () => {
    const state: FirewallHost = { reverted: [], hangChecksAfterInject: false, restartDuringObserve: {} };
    const { result, winrm, journal } = await runWindowsScenario(state, 3000);
    const [attempt] = result.model.attempts;
    expect(winrm.restarts.count).toBe(1);
    expect(attempt!.verdict).toMatchObject({ kind: 'healed' });
    expect(result.exitCode).toBe(0);
    expect(state.reverted).toHaveLength(1);
    expect((await journal.pending()).entries).toEqual([]);
    // the shells of before the restart died with the service; the host was started again on the new one
    expect(winrm.host.scripts().filter((r) => r.script.includes('chaoslab persistent host')).length).toBeGreaterThanOrEqual(2);
  });

  it('WinRM timeouts during observe make the attempt inconclusive, never not_healed', async () => {
    const state: FirewallHost = { reverted: [], hangChecksAfterInject: true };
    const { result } = await runWindowsScenario(state, 60_000);
    const [attempt] = result.model.attempts;
    expect(attempt!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'transport_lost' });
    expect((attempt!.verdict as { detail: string }).detail).toMatch(/did not finish within 3000ms/);
    expect(state.reverted).toHaveLength(1); // the revert still ran
    expect(result.exitCode).toBe(3);
  });
});

import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject } from '../harness/config/load-project.js';
import { systemClock } from '../harness/core/clock.js';
import { faultCommands } from '../harness/engine/commands.js';
import { planRun } from '../harness/engine/plan.js';
import { runSession } from '../harness/engine/session.js';
import { RevertJournal } from '../harness/journal/journal.js';
import { CostModel } from '../test/support/winrm-server/cost-model.js';
import { WinRmTestServer } from '../test/support/winrm-server/server.js';
import type { ScriptRule } from '../test/support/winrm-server/shell-host.js';

/**
 * The Windows suite under a Windows cost model, run with the old execution
 * model and the new one in the same run.
 *
 * What it models: three WinRM hosts (test/support/winrm-server) — dc01 with 2
 * vCPUs and two always-busy background jobs (AD DS and DNS; the agent's own
 * scans), srv01 with 4, ws01 with 2 — where a powershell.exe start costs 0.35 s
 * of one vCPU, importing the check's module 0.3 s and a script 40 ms, shared by
 * processor sharing (cost-model.ts). The 8 scenarios
 * of scenarios/windows run with their own faults and check scripts, plus one
 * bundle of the three DC scenarios, each twice. A scripted "healer" restores a
 * drift 20 s after its injection (the checks then read compliant) and reports
 * it over HTTP. Windows' real answers are not modelled: the server answers each
 * check from that state. To fit a few minutes, sla/window/hold are shortened
 * (30 s / 90 s / 15 s); probe_interval (1 s) and command timeouts stay as the
 * scenarios set them.
 * Once per model, 60 s into the run, dc01's WinRM service restarts (about
 * 20 s: connections refused, then HTTP 503 and 400 without SOAP, old shells
 * gone), as a patch or a GPO refresh restarts it on a real DC.
 *   node --import tsx bench/windows-load.ts [dc background jobs, default 2] [restart at s, default 60; 0: none]
 */
const HEAL_AFTER_MS = 20_000;
const DC_BACKGROUND = Number(process.argv[2] ?? 2);
const RESTART_AT_MS = Number(process.argv[3] ?? 60) * 1000;
const PASSWORD = 'bench-pass';
const HOSTS = [
  // AD DS + DNS, and the agent's own scans: two single-threaded jobs always runnable.
  { name: 'dc01', role: 'dc', vcpus: 2, background: DC_BACKGROUND },
  { name: 'srv01', role: 'srv', vcpus: 4, background: 0 },
  { name: 'ws01', role: 'ws', vcpus: 2, background: 0 },
] as const;
const MODELS = {
  'before (process per command, one connection, no read retries)': "execution: process, max_connections: 1, retry_budget: 0s, probe_budget: 0s",
  'now (persistent host, defaults)': '',
} as const;

interface Drift {
  injectedAt?: number;
  healsAt?: number;
}

async function setUp(dir: string): Promise<void> {
  await mkdir(join(dir, 'scenarios'), { recursive: true });
  for (const file of await readdir('scenarios/windows')) {
    const text = await readFile(join('scenarios/windows', file), 'utf8');
    await writeFile(join(dir, 'scenarios', file), text.replace(/^sla: .*$/m, 'sla: 30s').replace(/^window: .*$/m, 'window: 90s').replace(/^hold: .*$/m, 'hold: 15s'));
  }
  await writeFile(join(dir, 'scenarios', 'bundle-dc.yaml'), 'kind: bundle\nid: bundle-bench-dc\ntitle: The three DC drifts at once\nmembers: [win-dc-firewall, win-dc-dns, win-dc-smb-signing]\n');
}

function escape(text: string): RegExp {
  return new RegExp(text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'));
}

async function runModel(label: string, settings: string, dir: string): Promise<void> {
  const drifts = new Map<string, Drift>();
  const healed: object[] = [];
  const telemetry: Server = createServer((_, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(healed)));
  await new Promise<void>((resolve) => telemetry.listen(0, '127.0.0.1', resolve));
  const project = await loadProject({ scenarioPaths: [join(dir, 'scenarios')] });
  const servers = new Map<string, WinRmTestServer>();
  const costs = new Map<string, CostModel>();
  for (const host of HOSTS) {
    const rules: ScriptRule[] = [{ match: /ToUnixTimeMilliseconds/, reply: () => ({ stdout: `${Date.now()}\r\n` }) }];
    for (const scenario of project.catalogue.scenarios.filter((s) => s.config.target === host.role)) {
      const commands = faultCommands(scenario, { name: host.name, platform: 'windows', transport: { kind: 'winrm' } } as never);
      const key = `${host.name}|${scenario.config.check_type}`;
      const expect = scenario.config.expect;
      rules.push({
        match: escape(commands.inject),
        reply: () => {
          const drift = { injectedAt: Date.now(), healsAt: Date.now() + HEAL_AFTER_MS };
          drifts.set(key, drift);
          setTimeout(() => healed.push({ kind: 'healed', at: new Date(drift.healsAt).toISOString(), host: host.name, check_type: scenario.config.check_type, runbook: expect.runbook, tier: expect.tier, id: `${key}@${drift.healsAt}` }), HEAL_AFTER_MS);
          return {};
        },
      });
      rules.push({ match: escape(commands.check), reply: () => ({ exitCode: (drifts.get(key)?.healsAt ?? 0) > Date.now() ? 1 : 0 }) });
    }
    const cost = new CostModel({ vcpus: host.vcpus, backgroundJobs: host.background });
    const server = await WinRmTestServer.start({ auth: 'ntlm', user: 'chaoslab', password: PASSWORD, rules, cost });
    servers.set(host.name, server);
    costs.set(host.name, cost);
  }
  const lab = join(dir, `lab-${Date.now()}.yaml`);
  const extra = settings ? `, ${settings}` : '';
  await writeFile(
    lab,
    `name: windows-load\nclock_skew_tolerance: 2s\nhosts:\n${HOSTS.map(
      (host) =>
        `  - name: ${host.name}\n    platform: windows\n    roles: [${host.role}]\n    address: 127.0.0.1\n    allow_controller: true\n    transport: { kind: winrm, scheme: http, auth: ntlm, port: ${servers.get(host.name)!.port}, user: 'LAB\\chaoslab', password: env:BENCH_WINRM_PASSWORD${extra} }`,
    ).join('\n')}\nobservers:\n  - { name: telemetry, kind: http, url: 'http://127.0.0.1:${(telemetry.address() as AddressInfo).port}/events', poll_interval: 1s, kinds: { healed: claimed_healed }, fields: { runbook: runbook, tier: tier, id: id } }\n`,
  );
  process.env.BENCH_WINRM_PASSWORD = PASSWORD;
  const loaded = await loadProject({ scenarioPaths: [join(dir, 'scenarios')], labPath: lab });
  const started = performance.now();
  let restart: Promise<void> | undefined;
  const restartTimer = RESTART_AT_MS > 0 ? setTimeout(() => (restart = servers.get('dc01')!.restartService()), RESTART_AT_MS) : undefined;
  const result = await runSession({
    lab: loaded.lab!,
    labFile: lab,
    plan: planRun(loaded.catalogue, loaded.lab!, { repeat: 2 }),
    concurrency: 16,
    reportsRoot: join(dir, 'reports'),
    argv: ['run'],
    journal: new RevertJournal(join(dir, `journal-${Date.now()}`)),
    clock: systemClock,
    interrupt: new AbortController().signal,
    version: 'bench',
  });
  const wallS = (performance.now() - started) / 1000;
  clearTimeout(restartTimer);
  await restart;
  const events = (await readFile(join(result.runDir, 'events.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { type: string; error?: string; host?: string });
  const attempts = result.model.attempts;
  const verdicts = new Map<string, number>();
  for (const attempt of attempts) {
    const v = attempt.verdict as { kind: string; reason?: string };
    const name = v.reason ? `${v.kind}(${v.reason})` : v.kind;
    verdicts.set(name, (verdicts.get(name) ?? 0) + 1);
  }
  const timeouts = events.filter((e) => e.type === 'command' && e.error !== undefined && /timed out|did not finish|TIMEOUT|no WinRM reply/i.test(e.error)).length;
  const quarantines = events.filter((e) => e.type === 'host_quarantined').map((e) => e.host);
  const longest = Math.max(...attempts.map((a) => (a.endedAt ?? a.startedAt) - a.startedAt)) / 1000;
  console.log(`\n== ${label}`);
  console.log(`  attempts ${attempts.length}: ${[...verdicts].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log(`  dc01 WinRM service restarts: ${servers.get('dc01')!.restarts.count} (${servers.get('dc01')!.restarts.nonSoapReplies} non-SOAP replies while it came back)`);
  console.log(`  inconclusive ${attempts.filter((a) => a.verdict.kind === 'inconclusive').length} | transport timeouts ${timeouts} | quarantines ${quarantines.length}${quarantines.length ? ` (${quarantines.join(', ')})` : ''}`);
  for (const host of HOSTS) {
    const stats = costs.get(host.name)!.stats;
    console.log(`  ${host.name} (${host.vcpus} vCPU${host.background ? `, ${host.background} busy background jobs` : ''}): powershell starts ${stats.powershellStarts}, peak concurrent starts ${stats.peakConcurrentPowershellStarts}, peak runnable ${stats.peakRunnable}, CPU s start/modules/cmd/script ${[stats.cpuMs.powershell_start, stats.cpuMs.module_import, stats.cpuMs.cmd_start, stats.cpuMs.script].map((ms) => (ms / 1000).toFixed(1)).join('/')}`);
  }
  console.log(`  wall ${wallS.toFixed(1)} s | longest attempt ${longest.toFixed(1)} s`);
  for (const server of servers.values()) await server.close();
  await new Promise<void>((resolve) => telemetry.close(() => resolve()));
}

const dir = await mkdtemp(join(tmpdir(), 'windows-load-'));
try {
  await setUp(dir);
  console.log(`Windows suite (8 scenarios + 1 DC bundle, ×2) under the cost model: powershell start 0.35 CPU-s, module import 0.3 CPU-s, script 0.04 CPU-s; healer restores after ${HEAL_AFTER_MS / 1000} s`);
  for (const [label, settings] of Object.entries(MODELS)) await runModel(label, settings, dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}

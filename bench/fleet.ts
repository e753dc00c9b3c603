/**
 * Fleet scale: does the controller keep up with a lab of a hundred hosts?
 *
 * Design. Every host is a real OpenSSH sshd on 127.0.0.1 (test/support/sshd.ts:
 * its own port, host key, client key and state directory, its login home
 * inside that directory, MaxSessions 10 as OpenSSH ships it). A host's state
 * is a few files in its home (`state/<scenario>.conf`) and its healer log
 * `healer.jsonl`; scenarios and the `log` observer name them by relative
 * paths, which each host's login shell resolves in its own home, so one
 * scenario text touches a different machine's state on every host. The
 * healing agents run outside the controller, all in one process
 * (bench/fleet-healer.ts): one file healer per host restores that host's files
 * and appends its claim to that host's log. The suite is PER_HOST explicit-step
 * scenarios on disjoint resources, each planned on every host (`--all-hosts`),
 * so every host runs PER_HOST attempts at once: 400 in flight at 100 hosts.
 * The run is `chaoslab run`'s own session, in this process, so the controller
 * is measured alone (sshd and healers are other processes).
 *
 * Figures:
 *   controller CPU per attempt  process CPU (user+system) during the run / attempts;
 *                               "outside the transport" removes the share the V8
 *                               CPU profile attributes to ssh2 and harness/transport
 *                               (garbage collection and native time split pro rata)
 *   peak RSS                    the controller's maximum resident set
 *   event-log write rate        events and bytes per second of events.jsonl
 *   wall / critical path        run duration over its longest chain of attempts that
 *                               must run one after another (host + resource); here one
 *                               attempt per chain, so the longest attempt
 * Targets (2-core machine, 400 in flight): wall / critical path ≤ 1.10, RSS ≤ 400 MB,
 * CPU outside the transport ≤ 20 ms per attempt.
 *
 *   npm run bench:fleet -- [--hosts 100] [--per-host 4] [--keep DIR]
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { execSync } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProject } from '../harness/config/load-project.js';
import { systemClock } from '../harness/core/clock.js';
import { planRun } from '../harness/engine/plan.js';
import { runSession } from '../harness/engine/session.js';
import { RevertJournal } from '../harness/journal/journal.js';
import { startHealer } from '../test/support/engine-lab.js';
import type { HealerConfig } from '../test/support/file-healer.js';
import { CONTROLLER_HOST_LINES, startSshd, type SshdFixture } from '../test/support/sshd.js';
import { tempDir } from '../test/support/tmp.js';
import { profileShares } from './fleet-profile.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a whole number ≥ 1 (got ${JSON.stringify(process.argv[at + 1])})`);
    process.exit(2);
  }
  return value;
}

const HOSTS = option('--hosts', 100);
const PER_HOST = option('--per-host', 4);
const keepAt = process.argv.indexOf('--keep');
const KEEP = keepAt === -1 ? undefined : process.argv[keepAt + 1];
const TARGET_RATIO = 1.1;
const TARGET_RSS_MB = 400;
const TARGET_CPU_MS = 20;
/**
 * The healer waits this long before it repairs: the confirm-drift check must see
 * the drift first, even with 400 attempts on a loaded machine (at 3 s, a third
 * of them found their drift already healed: injection_not_applied).
 */
const HEAL_DELAY_MS = 8000;
const BASELINE = 'secure\n';
const HEALER = fileURLToPath(new URL('./fleet-healer.ts', import.meta.url));
const uptime = () => execSync('uptime').toString().trim();

const scenarioIds = Array.from({ length: PER_HOST }, (_, i) => `fleet-s${i + 1}`);

function scenarioYaml(id: string): string {
  const file = `state/${id}.conf`;
  return [
    `id: ${id}`,
    `title: ${id} state file drifts`,
    'platform: linux',
    'target: fleet',
    `check_type: file_${id}`,
    `resources: [file-${id}]`,
    'sla: 30s',
    'window: 45s',
    'hold: 1s',
    'probe_interval: 1s',
    'timeout: 20s',
    `expect: { outcome: heal, runbook: RB-${id}, tier: L1 }`,
    'steps:',
    `  snapshot: cat ${file}`,
    `  inject: printf 'drifted\\n' > ${file}`,
    `  check: found=$(cat ${file}) || exit 2; test "$found" = secure || { echo "${file} holds $found"; exit 1; }`,
    `  revert: printf '%s\\n' {{snapshot}} > ${file}`,
    '',
  ].join('\n');
}

const hostName = (index: number) => `fleet-${String(index + 1).padStart(3, '0')}`;

async function startFleet(count: number): Promise<SshdFixture[]> {
  const fleet: SshdFixture[] = [];
  // a few at a time: each start generates two keys and forks a namespace
  for (let i = 0; i < count; i += 10) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(10, count - i) }, () => startSshd({ maxSessions: 10 })));
    for (const started of batch) if (started.status === 'fulfilled') fleet.push(started.value);
    const failed = batch.find((b) => b.status === 'rejected');
    if (failed) {
      await Promise.allSettled(fleet.map((s) => s[Symbol.asyncDispose]()));
      throw (failed as PromiseRejectedResult).reason;
    }
  }
  return fleet;
}

async function startHealers(configFile: string): Promise<() => Promise<void>> {
  const child = await startHealer(configFile, HEALER);
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
}

/** Peak RSS and open file descriptors of this process, sampled while the run goes on. */
function sampleResources(): { stop: () => { fds: number } } {
  let fds = 0;
  const timer = setInterval(() => {
    readdir('/proc/self/fd').then((entries) => (fds = Math.max(fds, entries.length)), () => undefined);
  }, 250);
  return { stop: () => (clearInterval(timer), { fds }) };
}

interface Attempt { attemptId: string; host: string; scenarioId: string; phases: { start: number; end?: number }[]; verdict: { kind: string; reason?: string; detail?: string } }

const warnings: string[] = [];
process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message}`));

console.log(`fleet: ${HOSTS} hosts × ${PER_HOST} scenarios (${HOSTS * PER_HOST} attempts at once); load: ${uptime()}`);
const work = await tempDir('chaoslab-fleet-');
const setupStarted = performance.now();
const fleet = await startFleet(HOSTS);
let stopHealers: (() => Promise<void>) | undefined;
try {
  const healers: HealerConfig[] = [];
  for (const [index, sshd] of fleet.entries()) {
    const home = join(sshd.dir, 'home');
    await mkdir(join(home, 'state'));
    await writeFile(join(home, 'healer.jsonl'), '');
    for (const id of scenarioIds) await writeFile(join(home, 'state', `${id}.conf`), BASELINE);
    healers.push({
      host: hostName(index),
      log: join(home, 'healer.jsonl'),
      scanIntervalMs: 1000,
      rules: scenarioIds.map((id) => ({ file: join(home, 'state', `${id}.conf`), baseline: BASELINE, checkType: `file_${id}`, behaviour: 'heal' as const, runbook: `RB-${id}`, tier: 'L1', delayMs: HEAL_DELAY_MS })),
    });
  }
  const healerConfig = join(work.path, 'healers.json');
  await writeFile(healerConfig, JSON.stringify(healers));
  stopHealers = await startHealers(healerConfig);

  const scenariosDir = join(work.path, 'scenarios');
  await mkdir(scenariosDir);
  for (const id of scenarioIds) await writeFile(join(scenariosDir, `${id}.yaml`), scenarioYaml(id));
  const labFile = join(work.path, 'lab.yaml');
  await writeFile(
    labFile,
    [
      `name: fleet-bench-${process.pid}`,
      'clock_skew_tolerance: 2s',
      'hosts:',
      ...fleet.flatMap((sshd, index) => [
        `  - name: ${hostName(index)}`,
        '    platform: linux',
        '    roles: [fleet]',
        ...CONTROLLER_HOST_LINES,
        `    transport: { kind: ssh, port: ${sshd.port}, user: ${sshd.user}, key: "file:${sshd.keyPath}", known_hosts: ${sshd.knownHostsPath} }`,
      ]),
      'observers:',
      '  - name: healer-log',
      '    kind: log',
      // relative: each host's login shell reads it in that host's own home
      '    path: healer.jsonl',
      '',
    ].join('\n'),
  );
  console.log(`set-up: ${fleet.length} sshd and their healers in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);

  const project = await loadProject({ scenarioPaths: [scenariosDir], labPath: labFile });
  const plan = planRun(project.catalogue, project.lab!, { allHosts: true });
  const reportsRoot = KEEP ?? join(work.path, 'reports');
  const profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 2000 });
  await profiler.post('Profiler.start');
  const resources = sampleResources();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await runSession({
    lab: project.lab!,
    labFile,
    plan,
    concurrency: HOSTS * PER_HOST,
    reportsRoot,
    argv: ['run', '--all-hosts'],
    journal: new RevertJournal(join(work.path, 'journal')),
    clock: systemClock,
    interrupt: new AbortController().signal,
    version: 'bench',
  });
  const processWallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const { fds } = resources.stop();
  const { profile } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  const maxRssMb = process.resourceUsage().maxRSS / 1024;

  const run = JSON.parse(await readFile(join(result.runDir, 'run.json'), 'utf8')) as { durationMs: number; attempts: Attempt[] };
  const eventLog = await readFile(join(result.runDir, 'events.jsonl'), 'utf8');
  const ran = run.attempts.filter((a) => a.phases.length > 0);
  const span = (a: Attempt) => Math.max(...a.phases.map((p) => p.end ?? p.start)) - Math.min(...a.phases.map((p) => p.start));
  const chains = new Map<string, number>();
  for (const a of ran) chains.set(`${a.host} ${a.scenarioId}`, (chains.get(`${a.host} ${a.scenarioId}`) ?? 0) + span(a));
  const [criticalKey, critical] = [...chains].sort((x, y) => y[1] - x[1])[0] ?? ['none', 0];
  const ratio = run.durationMs / critical;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const shares = profileShares(profile);
  const perAttempt = cpuMs / Math.max(1, ran.length);
  const outside = perAttempt * (1 - shares.transport);
  const events = eventLog.split('\n').filter(Boolean).length;
  const seconds = run.durationMs / 1000;
  // by verdict and reason, with one example: a hundred hosts failing alike is one line
  const verdicts = new Map<string, number>();
  const examples = new Map<string, string>();
  for (const a of run.attempts) {
    const key = a.verdict.kind === 'inconclusive' ? `inconclusive ${a.verdict.reason}` : a.verdict.kind;
    verdicts.set(key, (verdicts.get(key) ?? 0) + 1);
    if (a.verdict.detail && !examples.has(key)) examples.set(key, `${a.host}: ${a.verdict.detail.slice(0, 160)}`);
  }
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

  console.log(`\nrun: ${ran.length} of ${run.attempts.length} attempts ran on ${new Set(ran.map((a) => a.host)).size} hosts; verdicts: ${[...verdicts].map(([k, n]) => `${n} ${k}`).join(', ')}`);
  for (const [key, example] of examples) console.log(`  e.g. ${key}: ${example}`);
  console.log(`wall / critical path        ${seconds.toFixed(1)} s / ${(critical / 1000).toFixed(1)} s (${criticalKey}) = ${ratio.toFixed(2)}   target ≤ ${TARGET_RATIO}  ${verdict(ratio <= TARGET_RATIO)}`);
  console.log(`controller CPU per attempt  ${perAttempt.toFixed(1)} ms (${(cpuMs / 1000).toFixed(1)} s in all; transport ${(shares.transport * 100).toFixed(0)}% of the profile, native/GC ${(shares.unattributed * 100).toFixed(0)}% split pro rata)`);
  console.log(`  outside the transport     ${outside.toFixed(1)} ms per attempt   target ≤ ${TARGET_CPU_MS} ms  ${verdict(outside <= TARGET_CPU_MS)}`);
  console.log(`  busiest outside it         ${shares.hotspots.map((h) => `${h.where} ${(h.share * 100).toFixed(1)}%`).join('; ')}`);
  console.log(`peak RSS                    ${maxRssMb.toFixed(0)} MB   target ≤ ${TARGET_RSS_MB} MB  ${verdict(maxRssMb <= TARGET_RSS_MB)}`);
  console.log(`event log                   ${events} events, ${(eventLog.length / 1024).toFixed(0)} KiB: ${(events / seconds).toFixed(0)} events/s, ${(eventLog.length / 1024 / seconds).toFixed(0)} KiB/s`);
  console.log(`open file descriptors       peak ${fds}   (process wall incl. set-up of the run: ${(processWallMs / 1000).toFixed(1)} s)`);
  console.log(`process warnings            ${warnings.length ? [...new Set(warnings)].join(' | ') : 'none'}`);
  console.log(`load after the run: ${uptime()}`);
  if (KEEP) console.log(`reports kept in ${KEEP}`);
} finally {
  await stopHealers?.();
  for (let i = 0; i < fleet.length; i += 20) await Promise.allSettled(fleet.slice(i, i + 20).map((s) => s[Symbol.asyncDispose]()));
  await work[Symbol.asyncDispose]();
}

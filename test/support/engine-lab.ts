import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProject } from '../../harness/config/load-project.js';
import { systemClock } from '../../harness/core/clock.js';
import { parseDuration } from '../../harness/core/duration.js';
import { waitFor } from '../../harness/core/wait.js';
import { planRun, type PlanOptions } from '../../harness/engine/plan.js';
import { runSession, type SessionResult } from '../../harness/engine/session.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import type { RunModel } from '../../harness/model/run-model.js';
import type { HealerBehaviour, HealerConfig } from './file-healer.js';
import { CONTROLLER_HOST_LINES, type SshdFixture } from './sshd.js';
import { tempDir } from './tmp.js';

/**
 * A lab for engine tests: one host `web1` reached over a real sshd, files in a
 * temp dir that scenarios drift with explicit `steps`, and the real file healer
 * (its own process) repairing them and logging JSONL the `log` observer tails.
 */
export interface FileScenario {
  readonly id: string;
  readonly behaviour: HealerBehaviour;
  readonly expect?: 'heal' | 'escalate' | 'ignore';
  readonly sla?: string;
  readonly window?: string;
  readonly hold?: string;
  readonly delayMs?: number;
  readonly flapAfterMs?: number;
  readonly claimDelayMs?: number;
  /** The injection succeeds but changes nothing: nothing drifts. */
  readonly injectionDoesNotTake?: boolean;
  /** The file is already drifted before the run. */
  readonly startDirty?: boolean;
  /** The revert first sleeps this long (to interrupt a run while it reverts). */
  readonly revertDelaySeconds?: number;
  /** The revert succeeds but restores nothing: the attempt ends revert_failed, its journal entry kept. */
  readonly revertDoesNothing?: boolean;
  /** The check hangs past its 1 s step timeout: it can never answer (a transport timeout). */
  readonly checkHangs?: boolean;
  /** The file's baseline content (default BASELINE). */
  readonly content?: string;
  /** A built-in fault on the scenario's file instead of `steps`: the `fault:` mapping as YAML flow, given the file's path. */
  readonly fault?: (file: string) => string;
  /** What the healer's fix writes, when it is not the baseline (another compliant content). */
  readonly healTo?: string;
}

export interface FileBundle {
  readonly id: string;
  readonly members: readonly string[];
}

export const BASELINE = 'secure\n';

/**
 * Timing margins: a heal must be judged the same on a machine at load 20 as on an
 * idle one. The healer waits HEAL_DELAY_MS after noticing a drift, so chaoslab's
 * confirm-drift check (an SSH round trip, seconds on a loaded machine) sees the
 * drift before it is healed; the SLA leaves several seconds after that for the
 * claim to travel through the log observer. Scenarios that must miss the SLA
 * (healed_late) wait far longer than it instead of just past it.
 */
export const HEAL_DELAY_MS = 3000;
export const DEFAULT_SLA = '12s';
export const DEFAULT_WINDOW = '20s';

export interface EngineLab extends AsyncDisposable {
  readonly dir: string;
  readonly labFile: string;
  readonly scenariosDir: string;
  readonly healerLog: string;
  readonly filePath: (id: string) => string;
  stopHealer(): Promise<void>;
}

const HEALER = fileURLToPath(new URL('./file-healer.ts', import.meta.url));

/** A scenario that only shortens its window (one that is not expected to heal) gets an SLA that fits in it. */
function slaOf(s: FileScenario): string {
  if (s.sla) return s.sla;
  return s.window && parseDuration(s.window)! < parseDuration(DEFAULT_SLA)! ? s.window : DEFAULT_SLA;
}

function scenarioYaml(s: FileScenario, file: string): string {
  const outcome = s.expect ?? 'heal';
  return [
    `id: ${s.id}`,
    `title: ${s.id} file drifts`,
    'platform: linux',
    'target: web1',
    `check_type: file_${s.id}`,
    `resources: [file-${s.id}]`,
    `sla: ${slaOf(s)}`,
    `window: ${s.window ?? DEFAULT_WINDOW}`,
    `hold: ${s.hold ?? '1s'}`,
    'probe_interval: 250ms',
    `timeout: ${s.checkHangs ? '1s' : '10s'}`,
    `expect: { outcome: ${outcome}${outcome === 'heal' ? `, runbook: RB-${s.id}, tier: L1` : ''} }`,
    ...(s.fault ? [`fault: ${s.fault(file)}`, ''] : stepLines(s, file)),
  ].join('\n');
}

function stepLines(s: FileScenario, file: string): string[] {
  return [
    'steps:',
    `  snapshot: cat ${file}`,
    // a no-take injection must not even truncate the file: the healer would see that transient drift and (rightly) heal it
    s.injectionDoesNotTake ? `  inject: test -f ${file}` : `  inject: printf 'drifted\\n' > ${file}`,
    // like real checks, it says what it found when the host is drifted (evidence in reports), and exits 2 when it cannot read the file (a probe error)
    `  check: ${s.checkHangs ? 'sleep 30; ' : ''}found=$(cat ${file}) || exit 2; test "$found" = secure || { echo "${file} holds $found"; exit 1; }`,
    s.revertDoesNothing ? '  revert: "true"' : `  revert: ${s.revertDelaySeconds ? `sleep ${s.revertDelaySeconds}; ` : ''}printf '%s\\n' {{snapshot}} > ${file}`,
    '',
  ];
}

export interface EngineLabOptions {
  /** Adds an `http` observer pointed at this port on 127.0.0.1, where nothing listens. */
  readonly deadHttpObserverPort?: number;
  /** More top-level inventory YAML, e.g. `halt:` conditions. */
  readonly labLines?: readonly string[];
  /** The healer's log lines do not name the host (a local agent log). */
  readonly healerLogOmitsHost?: boolean;
  /** More option lines of the `healer-log` observer, indented under it (e.g. a `fields:` map). */
  readonly healerLogObserverLines?: readonly string[];
}

export async function createEngineLab(sshd: SshdFixture, scenarios: readonly FileScenario[], bundles: readonly FileBundle[] = [], options: EngineLabOptions = {}): Promise<EngineLab> {
  const tmp = await tempDir('chaoslab-engine-lab-');
  const dir = tmp.path;
  const filesDir = join(dir, 'files');
  const scenariosDir = join(dir, 'scenarios');
  await mkdir(filesDir);
  await mkdir(scenariosDir);
  const healerLog = join(dir, 'healer.jsonl');
  await writeFile(healerLog, '');
  const filePath = (id: string) => join(filesDir, `${id}.conf`);
  for (const s of scenarios) {
    await writeFile(filePath(s.id), s.startDirty ? 'drifted\n' : (s.content ?? BASELINE));
    await writeFile(join(scenariosDir, `${s.id}.yaml`), scenarioYaml(s, filePath(s.id)));
  }
  for (const b of bundles) {
    await writeFile(join(scenariosDir, `${b.id}.yaml`), `kind: bundle\nid: ${b.id}\ntitle: ${b.id} compound drift\nmembers: [${b.members.join(', ')}]\n`);
  }
  const labFile = join(dir, 'lab.yaml');
  await writeFile(
    labFile,
    [
      'name: engine-test-lab',
      'clock_skew_tolerance: 2s',
      'hosts:',
      '  - name: web1',
      '    platform: linux',
      '    roles: [web]',
      ...CONTROLLER_HOST_LINES,
      `    transport: { kind: ssh, port: ${sshd.port}, user: ${sshd.user}, key: "file:${sshd.keyPath}", known_hosts: ${sshd.knownHostsPath} }`,
      'observers:',
      '  - name: healer-log',
      '    kind: log',
      `    path: ${healerLog}`,
      ...(options.healerLogObserverLines ?? []).map((line) => `    ${line}`),
      ...(options.deadHttpObserverPort ? ['  - name: dead-api', '    kind: http', `    url: http://127.0.0.1:${options.deadHttpObserverPort}/events`] : []),
      ...(options.labLines ?? []),
      '',
    ].join('\n'),
  );
  const config: HealerConfig = {
    host: 'web1',
    log: healerLog,
    scanIntervalMs: 100,
    ...(options.healerLogOmitsHost && { omitHost: true }),
    rules: scenarios.map((s) => ({
      file: filePath(s.id),
      baseline: s.content ?? BASELINE,
      ...(s.healTo !== undefined && { fixedContent: s.healTo }),
      checkType: `file_${s.id}`,
      behaviour: s.behaviour,
      runbook: `RB-${s.id}`,
      tier: 'L1',
      delayMs: s.delayMs ?? HEAL_DELAY_MS,
      ...(s.flapAfterMs !== undefined && { flapAfterMs: s.flapAfterMs }),
      ...(s.claimDelayMs !== undefined && { claimDelayMs: s.claimDelayMs }),
    })),
  };
  const configFile = join(dir, 'healer.json');
  await writeFile(configFile, JSON.stringify(config));
  const healer = await startHealer(configFile);
  const stopHealer = async () => {
    if (healer.exitCode !== null || healer.signalCode !== null) return;
    const exited = new Promise((resolve) => healer.once('exit', resolve));
    healer.kill('SIGTERM');
    await exited;
  };
  return {
    dir,
    labFile,
    scenariosDir,
    healerLog,
    filePath,
    stopHealer,
    [Symbol.asyncDispose]: async () => {
      await stopHealer();
      await tmp[Symbol.asyncDispose]();
    },
  };
}

/** Starts a healer script (`HEALER` by default) on its config file and waits until it prints `ready`. */
export async function startHealer(configFile: string, script = HEALER): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`file healer exited: ${err}`);
      return out.includes('ready') ? true : undefined;
    },
    { clock: systemClock, timeoutMs: 20_000, intervalMs: 20, description: 'the file healer to start' },
  );
  return child;
}

/** Loads the lab's scenarios and inventory, plans and runs them in-process (no CLI), as `chaoslab run` would. */
export async function runLabSession(
  lab: EngineLab,
  options: { journal: RevertJournal; reportsRoot: string; plan?: PlanOptions; concurrency?: number; interrupt?: AbortSignal },
): Promise<SessionResult> {
  const project = await loadProject({ scenarioPaths: [lab.scenariosDir], labPath: lab.labFile });
  return runSession({
    lab: project.lab!,
    labFile: lab.labFile,
    plan: planRun(project.catalogue, project.lab!, options.plan ?? {}),
    concurrency: options.concurrency ?? 8,
    reportsRoot: options.reportsRoot,
    argv: ['run'],
    journal: options.journal,
    clock: systemClock,
    interrupt: options.interrupt ?? new AbortController().signal,
    version: 'test',
  });
}

/** Waits (on real time, polling the file) until a lab file has this content, e.g. until an injection happened. */
export async function waitForContent(path: string, content: string): Promise<void> {
  await waitFor(async () => ((await readFile(path, 'utf8')) === content ? true : undefined), {
    clock: systemClock,
    timeoutMs: 30_000,
    intervalMs: 50,
    description: `${path} to read ${JSON.stringify(content)}`,
  });
}

/** A lab of its own for one session: created, run with a fresh journal, removed; its run model is what is left. */
export async function runEngineLab(sshd: SshdFixture, scenarios: readonly FileScenario[], options: EngineLabOptions = {}): Promise<RunModel> {
  const lab = await createEngineLab(sshd, scenarios, [], options);
  try {
    const result = await runLabSession(lab, { journal: new RevertJournal(join(lab.dir, 'journal')), reportsRoot: join(lab.dir, 'reports') });
    return result.model;
  } finally {
    await lab[Symbol.asyncDispose]();
  }
}

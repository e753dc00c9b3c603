import { dirname, join } from 'node:path';
import { ExitCode, mostSevere, type ExitCodeValue } from '../core/exit-codes.js';
import type { LabConfig } from '../config/lab-schema.js';
import { unsignedWebhooks } from '../config/validate-webhook.js';
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import { resolvedSecrets } from '../core/redact.js';
import { TeardownStack } from '../core/teardown.js';
import { RunFolder } from '../events/fold.js';
import { writeRunJson } from '../events/run-json.js';
import { EventWriter, newRunId } from '../events/writer.js';
import { JournalHosts } from '../journal/hosts.js';
import { hostWithIdentity } from '../journal/identity.js';
import type { RevertJournal } from '../journal/journal.js';
import { LabHosts } from '../lab/lab-hosts.js';
import { replayJournal } from '../journal/replay.js';
import type { RunEvent } from '../model/events.js';
import type { AttemptResult, RunModel } from '../model/run-model.js';
import type { Verdict } from '../model/verdict.js';
import { splitExpectations } from '../model/attention.js';
import { summarize } from '../model/summary.js';
import { createObserver } from '../observers/registry.js';
import type { Transport } from '../transport/transport.js';
import { executePlan, recordPlan, recordSkips } from './execute.js';
import { HaltMonitor, HaltUnavailableError } from './halt.js';
import { HookRunner } from './hooks.js';
import type { Plan } from './plan-types.js';
import type { ResidueScanPlan } from './residue-plan.js';
import { scanForResidue } from './residue-scan.js';

/**
 * The reporters as the engine sees them (the CLI composes them: the engine
 * never imports reporters). `failures` counts reporter errors, which the
 * reporting itself isolates.
 */
export interface RunReporting {
  onRunStart(run: RunModel): Promise<void>;
  onAttemptEnd(attempt: AttemptResult, run: RunModel): Promise<void>;
  onRunEnd(run: RunModel): Promise<void>;
  failures(): readonly unknown[];
}

/** Builds the run's reporting once its folder exists; `note` records a reporter failure in the event log. */
export type ReportingFactory = (runDir: string, note: (message: string) => void) => RunReporting;

export interface SessionOptions {
  readonly lab: LabConfig;
  /** Absolute path of the inventory. */
  readonly labFile: string;
  readonly plan: Plan;
  readonly concurrency: number;
  /** Without it, the run only writes its event log and run.json. */
  readonly reporting?: ReportingFactory;
  /** reports/ */
  readonly reportsRoot: string;
  readonly argv: readonly string[];
  readonly suite?: string;
  readonly shard?: string;
  readonly journal: RevertJournal;
  /** The checks of the residue scan that follows the last attempt; absent: no scan (`--no-residue-scan`). */
  readonly residueScan?: ResidueScanPlan;
  readonly clock: Clock;
  readonly interrupt: AbortSignal;
  readonly version: string;
  /** Record the plan (every attempt `skipped: dry_run`) and report it; contact no host. */
  readonly dryRun?: boolean;
  /**
   * Called last, once every file of the run folder is written — also for an
   * interrupted run and one stopped by an engine error — to sign what the
   * folder holds (manifest.json). It reports its own failures.
   */
  readonly seal?: (runDir: string, run: RunModel) => Promise<void>;
}

export interface SessionResult {
  readonly runId: string;
  readonly runDir: string;
  readonly exitCode: ExitCodeValue;
  readonly model: RunModel;
}

const silentReporting: RunReporting = {
  onRunStart: async () => undefined,
  onAttemptEnd: async () => undefined,
  onRunEnd: async () => undefined,
  failures: () => [],
};

/** 0 all met (failing known gaps are expected failures); 1 expectation failures; 3 when inconclusive attempts outnumber the scored ones; 5 halted by a halt condition; 130 interrupted. */
export function exitCodeFor(model: RunModel, interrupted: boolean): ExitCodeValue {
  if (interrupted) return ExitCode.interrupted;
  if (model.halt) return ExitCode.halted;
  const summary = summarize(model);
  if (summary.verdicts.inconclusive > summary.score.scored) return ExitCode.labErrors;
  return splitExpectations(model).newFailures > 0 ? ExitCode.expectationFailed : ExitCode.ok;
}

/**
 * One `chaoslab run` after its config was validated and planned: the event log,
 * live reporters, the replay of pending reverts, every attempt, the residue
 * scan, and run.json.
 * Whatever happens, transports and observers are closed and the log is flushed.
 */
export async function runSession(options: SessionOptions): Promise<SessionResult> {
  const { lab, clock } = options;
  const writer = new EventWriter({ runId: newRunId(clock.wallNow()), reportsRoot: options.reportsRoot, clock, secrets: resolvedSecrets });
  const logger = createLogger(join(writer.runDir, 'chaoslab.log')).child({ runId: writer.runId });
  // every secret is resolved before the first event, so redaction knows it
  const hosts = await LabHosts.open(lab, options.labFile, { clock, logger });
  // transports and observers; the event log closes last, after the reporters' final hook
  const teardown = new TeardownStack();
  const folder = new RunFolder();
  writer.onEvent((event) => folder.apply(event));
  const mux = options.reporting?.(writer.runDir, (message) => writer.emit({ type: 'note', level: 'error', message })) ?? silentReporting;
  let reporting = Promise.resolve();
  let engineFailed = false;
  let haltUnavailable = false;
  writer.onEvent((event: RunEvent) => {
    if (event.type !== 'attempt_ended') return;
    // Reporter hooks run one after another, in event order, off the engine's path.
    reporting = reporting.then(() => mux.onAttemptEnd(folder.attempt(event.attemptId)!, folder.model()));
  });

  try {
    teardown.add('transports', () => hosts.close());

    const unsigned = unsignedWebhooks(lab);
    writer.emit({
      type: 'run_started',
      lab: lab.name,
      argv: options.argv,
      ...(options.suite !== undefined && { suite: options.suite }),
      ...(options.shard !== undefined && { shard: options.shard }),
      hosts: lab.hosts.map((h) => ({ name: h.name, platform: h.platform, roles: h.roles })),
      chaoslabVersion: options.version,
      ...(unsigned.length && { unsignedWebhooks: unsigned }),
    });
    // every report renders warn notes: nobody reads a scorecard without seeing that claims were unauthenticated
    for (const name of unsigned) writer.emit({ type: 'note', level: 'warn', message: `webhook observer ${name} accepted unsigned events (insecure_unsigned: true): its heal claims are not authenticated` });
    recordPlan(options.plan, writer);
    await mux.onRunStart(folder.model());
    recordSkips(options.plan, writer);
    if (options.dryRun) {
      recordNotStarted(options.plan, writer, { kind: 'skipped', reason: 'dry_run', detail: 'dry run: planned, not injected' });
    } else {
      haltUnavailable = !(await startAndRun(options, { writer, logger, hosts, transportFor: hosts.transportFor, teardown, interrupt: options.interrupt }, folder));
    }
  } catch (error) {
    engineFailed = true;
    writer.emit({ type: 'note', level: 'error', message: `the run stopped on an engine error: ${errorMessage(error)}` });
    logger.error({ err: error }, 'engine error');
    throw error;
  } finally {
    await reporting;
    const interrupted = options.interrupt.aborted;
    const engineCode = haltUnavailable ? ExitCode.labErrors : exitCodeFor(folder.model(), interrupted);
    const halted = folder.model().halt !== undefined;
    writer.emit({ type: 'run_ended', status: engineFailed ? 'crashed' : interrupted ? 'interrupted' : halted ? 'halted' : 'completed', exitCode: engineFailed ? ExitCode.labErrors : engineCode });
    await teardown.run();
    if (engineFailed) {
      writer.close();
      await options.seal?.(writer.runDir, folder.model());
    }
  }
  try {
    // a reporter failing here is still noted in the event log
    await mux.onRunEnd(folder.model());
  } finally {
    writer.close();
  }
  const model = folder.model();
  await writeRunJson(writer.runDir, model);
  await options.seal?.(writer.runDir, model);
  const engineCode = haltUnavailable ? ExitCode.labErrors : exitCodeFor(model, options.interrupt.aborted);
  const exitCode = mostSevere(engineCode, mux.failures().length ? ExitCode.reporterFailed : ExitCode.ok);
  return { runId: writer.runId, runDir: writer.runDir, exitCode, model };
}

interface RunParts {
  readonly writer: EventWriter;
  readonly logger: Logger;
  readonly hosts: LabHosts;
  readonly transportFor: (host: string) => Transport;
  readonly teardown: TeardownStack;
  /** Ctrl-C or a halt condition. */
  readonly interrupt: AbortSignal;
}

/**
 * Replays pending reverts, then starts the halt conditions and runs the
 * attempts; false when a halt condition could not be read (nothing injected).
 */
async function startAndRun(options: SessionOptions, parts: RunParts, folder: RunFolder): Promise<boolean> {
  const { writer, logger, teardown } = parts;
  const { lab, clock } = options;
  // reverts left by earlier runs are undone whatever happens next (they inject nothing)
  const quarantined = await replayPending(options, writer, logger, parts.hosts);
  for (const [host, detail] of quarantined) writer.emit({ type: 'host_quarantined', host, reason: 'revert_failed', detail });

  // the emergency stop works before the first injection, or nothing is injected
  const halt = new HaltMonitor([...lab.halt, ...(options.plan.suite?.config.halt ?? [])], {
    clock,
    logger: logger.child({ phase: 'halt' }),
    onHalt: (halted) => {
      writer.emit({ type: 'run_halted', condition: halted.condition, kind: halted.conditionKind, detail: halted.detail, ...(halted.evidence !== undefined && { evidence: halted.evidence }) });
      writer.emit({ type: 'note', level: 'error', message: `run halted: ${halted.message}; nothing more is injected and active faults are reverted` });
    },
  });
  teardown.add('halt conditions', () => halt.stop());
  if (!(await haltConditionsReadable(halt, options.plan, writer))) return false;
  await runAttempts(options, { ...parts, interrupt: AbortSignal.any([parts.interrupt, halt.signal]) }, folder, quarantined);
  return true;
}

/** The hooks around them, every attempt, then the residue scan. */
async function runAttempts(options: SessionOptions, parts: RunParts, folder: RunFolder, quarantined: ReadonlyMap<string, string>): Promise<void> {
  const { writer, logger, transportFor, teardown, hosts: labHosts, interrupt } = parts;
  const { lab, clock } = options;
  const hooks = new HookRunner({
    configs: [lab.hooks, ...(options.plan.suite ? [options.plan.suite.config.hooks] : [])],
    sink: writer,
    cwd: dirname(options.labFile),
    model: () => folder.model(),
  });
  // after_attempt hooks run in attempt order, off the engine's path, and are all done before after_run
  let afterAttempts = Promise.resolve();
  if (hooks.has('after_attempt')) {
    writer.onEvent((event) => {
      if (event.type !== 'attempt_ended') return;
      const attempt = folder.attempt(event.attemptId);
      // only attempts that ran: skipped ones and units that never started have nothing to report
      if (attempt && attempt.phases.length) afterAttempts = afterAttempts.then(() => hooks.run('after_attempt', attempt));
    });
  }
  await hooks.run('before_run');
  const observers = lab.observers.map((config) =>
    createObserver(config, { clock, logger: logger.child({ observer: config.name }), transportFor, resolveSecret: labHosts.resolveSecret, evidenceDir: join(writer.runDir, 'evidence') }),
  );
  teardown.add('observers', async () => {
    await Promise.allSettled(observers.map((o) => o.close()));
  });

  // what attempts and the residue scan share: where they run, the caps, the log, the journal
  const onHosts = { labFile: options.labFile, concurrency: options.concurrency, clock, sink: writer, elapsed: () => writer.elapsed(), journal: options.journal, logger, transportFor };
  const beforeAttempt = hooks.has('before_attempt') ? (id: string) => hooks.run('before_attempt', folder.attempt(id)) : undefined;
  await executePlan({ ...onHosts, runId: writer.runId, plan: options.plan, lab, observers, interrupt, quarantined, ...(beforeAttempt && { beforeAttempt }) });
  if (options.residueScan) {
    await scanForResidue({ ...onHosts, lab, plan: options.residueScan, run: folder.model(), logger: logger.child({ phase: 'residue_scan' }) });
  }
  await afterAttempts;
  await hooks.run('after_run');
}

/**
 * Evaluates every halt condition once before anything is touched. One that
 * cannot be read stops the run here: every attempt is recorded as not started
 * (skipped, outside the score) and the run ends as a lab error (exit 3).
 */
async function haltConditionsReadable(halt: HaltMonitor, plan: Plan, writer: EventWriter): Promise<boolean> {
  try {
    await halt.start();
    return true;
  } catch (error) {
    if (!(error instanceof HaltUnavailableError)) throw error;
    writer.emit({ type: 'note', level: 'error', message: `${error.message}: nothing was injected` });
    recordNotStarted(plan, writer, { kind: 'skipped', reason: 'halted', detail: `not started: ${error.message}` });
    return false;
  }
}

/** Every attempt the plan would run ends at once with this verdict (a dry run, or a run stopped before its first injection). */
function recordNotStarted(plan: Plan, writer: EventWriter, verdict: Extract<Verdict, { kind: 'skipped' }>): void {
  for (const attempt of plan.attempts) {
    if (!attempt.skip) writer.emit({ type: 'attempt_ended', attemptId: attempt.attemptId, verdict, passed: false, timings: {} });
  }
}

/** Pending reverts of earlier runs are replayed before anything is injected (by `run` and `selftest`); a host still not clean is quarantined. */
export async function replayPending(options: Pick<SessionOptions, 'journal' | 'clock' | 'lab'>, writer: EventWriter, logger: Logger, current: LabHosts): Promise<Map<string, string>> {
  const quarantined = new Map<string, string>();
  const { entries, rejected } = await options.journal.pending();
  for (const bad of rejected) writer.emit({ type: 'note', level: 'error', message: `journal entry ${bad.file} refused, not replayed: ${bad.error}` });
  if (!entries.length) return quarantined;
  writer.emit({ type: 'note', level: 'warn', message: `${entries.length} pending revert(s) from an earlier run: replaying them first` });
  await using hosts = new JournalHosts({ clock: options.clock, logger, current });
  await replayJournal(options.journal, entries, {
    transportFor: hosts.transportFor,
    onResult: (result) => {
      const { entry } = result;
      const ok = result.status === 'reverted';
      writer.emit({ type: 'note', level: ok ? 'info' : 'error', message: `pending revert of ${entry.attemptId} on ${entry.host} (run ${entry.runId}): ${result.status} — ${result.detail}` });
      const host = hostWithIdentity(options.lab.hosts, entry.hostIdentity);
      if (!ok && host) quarantined.set(host.name, `a pending revert from run ${entry.runId} could not be replayed (${result.status}: ${result.detail})`);
    },
  });
  return quarantined;
}

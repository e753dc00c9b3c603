import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabConfig } from '../config/lab-schema.js';
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { ExitCode, mostSevere, type ExitCodeValue } from '../core/exit-codes.js';
import { createLogger } from '../core/logger.js';
import { resolvedSecrets } from '../core/redact.js';
import { TeardownStack } from '../core/teardown.js';
import { EventWriter, newRunId } from '../events/writer.js';
import type { RevertJournal } from '../journal/journal.js';
import { LabHosts } from '../lab/lab-hosts.js';
import type { HealerPause } from './healer-control.js';
import type { PlannedAttempt } from './plan-types.js';
import { runSelfTest, type SelfTestOutcome, type SelfTestStatus } from './self-test.js';
import { replayPending } from './session.js';

export interface SelfTestSessionOptions {
  readonly lab: LabConfig;
  readonly labFile: string;
  readonly attempts: readonly PlannedAttempt[];
  readonly pauses: ReadonlyMap<string, HealerPause | undefined>;
  /** reports/selftest: the run folder is created under it. */
  readonly reportsRoot: string;
  readonly argv: readonly string[];
  readonly journal: RevertJournal;
  readonly clock: Clock;
  readonly interrupt: AbortSignal;
  readonly version: string;
}

export interface SelfTestReport extends SelfTestOutcome {
  readonly runId: string;
  readonly lab: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly counts: Readonly<Record<SelfTestStatus, number>>;
  readonly interrupted: boolean;
  readonly exitCode: ExitCodeValue;
}

export interface SelfTestSessionResult {
  readonly runDir: string;
  readonly report: SelfTestReport;
}

/** The file of the run folder that holds the results (the event log holds the commands behind them). */
export const SELFTEST_FILE = 'selftest.json';

/** 130 interrupted; 3 a lab failure or a healer left paused; 1 a fault not applied or not reverted; 0 every fault sound. */
export function selfTestExitCode(outcome: SelfTestOutcome, interrupted: boolean): ExitCodeValue {
  if (interrupted) return ExitCode.interrupted;
  const lab = outcome.results.some((r) => r.status === 'inconclusive') || outcome.healers.some((h) => !h.resumed);
  const unsound = outcome.results.some((r) => r.status === 'not_applied' || r.status === 'not_reverted');
  return mostSevere(lab ? ExitCode.labErrors : ExitCode.ok, unsound ? ExitCode.expectationFailed : ExitCode.ok);
}

/**
 * One `chaoslab selftest` after validation and planning: its own run folder
 * (events.jsonl with every command as evidence, chaoslab.log, selftest.json),
 * the replay of pending reverts, then the proof of every planned fault.
 * Transports are closed whatever happens.
 */
export async function runSelfTestSession(options: SelfTestSessionOptions): Promise<SelfTestSessionResult> {
  const { lab, clock } = options;
  const startedAt = clock.wallNow();
  const writer = new EventWriter({ runId: newRunId(startedAt), reportsRoot: options.reportsRoot, clock, secrets: resolvedSecrets });
  const logger = createLogger(join(writer.runDir, 'chaoslab.log')).child({ runId: writer.runId, selftest: true });
  const teardown = new TeardownStack();
  // every secret is resolved before the first event, so redaction knows it
  const hosts = await LabHosts.open(lab, options.labFile, { clock, logger });
  teardown.add('transports', () => hosts.close());
  const transportFor = hosts.transportFor;

  let outcome: SelfTestOutcome = { results: [], healers: [] };
  let crashed = false;
  try {
    writer.emit({ type: 'run_started', lab: lab.name, argv: options.argv, hosts: lab.hosts.map((h) => ({ name: h.name, platform: h.platform, roles: h.roles })), chaoslabVersion: options.version });
    writer.emit({ type: 'note', level: 'info', message: `self-test of ${options.attempts.length} fault(s): inject, confirm drift, revert, verify the baseline, with each host's healer paused` });
    const quarantined = await replayPending({ journal: options.journal, clock, lab }, writer, logger, hosts);
    for (const [host, detail] of quarantined) writer.emit({ type: 'host_quarantined', host, reason: 'revert_failed', detail });
    outcome = await runSelfTest({
      runId: writer.runId,
      lab,
      labFile: options.labFile,
      attempts: options.attempts,
      pauses: options.pauses,
      journal: options.journal,
      clock,
      sink: writer,
      elapsed: () => writer.elapsed(),
      logger,
      transportFor,
      interrupt: options.interrupt,
      quarantined,
    });
    for (const result of outcome.results) {
      writer.emit({ type: 'note', level: result.status === 'sound' ? 'info' : 'error', message: `self-test ${result.attemptId}: ${result.status} — ${result.detail}` });
    }
  } catch (error) {
    crashed = true;
    writer.emit({ type: 'note', level: 'error', message: `the self-test stopped on an engine error: ${errorMessage(error)}` });
    throw error;
  } finally {
    const interrupted = options.interrupt.aborted;
    const exitCode = crashed ? ExitCode.labErrors : selfTestExitCode(outcome, interrupted);
    writer.emit({ type: 'run_ended', status: crashed ? 'crashed' : interrupted ? 'interrupted' : 'completed', exitCode });
    await teardown.run();
    writer.close();
  }
  const interrupted = options.interrupt.aborted;
  const counts = { sound: 0, not_applied: 0, not_reverted: 0, inconclusive: 0 };
  for (const result of outcome.results) counts[result.status] += 1;
  const report: SelfTestReport = {
    runId: writer.runId,
    lab: lab.name,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: writer.elapsed(),
    counts,
    interrupted,
    exitCode: selfTestExitCode(outcome, interrupted),
    ...outcome,
  };
  await writeFile(join(writer.runDir, SELFTEST_FILE), `${JSON.stringify(report, null, 2)}\n`);
  return { runDir: writer.runDir, report };
}

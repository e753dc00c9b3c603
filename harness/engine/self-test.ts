import { createHash } from 'node:crypto';
import type { HostConfig, LabConfig } from '../config/lab-schema.js';
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { excerpt } from '../core/redact.js';
import type { EventSink } from '../events/sink.js';
import { hostIdentity } from '../journal/identity.js';
import type { JournalEntry, RevertJournal } from '../journal/journal.js';
import type { CommandStep, Phase } from '../model/run-model.js';
import type { Transport } from '../transport/transport.js';
import { checkUntilItTells, type CheckOutcome } from '../transport/check-outcome.js';
import { faultCommands } from './commands.js';
import type { HealerPause } from './healer-control.js';
import { execRecorded, transportLost } from './host-exec.js';
import type { PlannedAttempt } from './plan-types.js';
import { restoreFromSnapshot } from './self-test-restore.js';

/**
 * `chaoslab selftest`: proves each fault before a healer is judged on it. With
 * the host's healer paused, every scenario is taken through
 *
 *   baseline check → snapshot → (journal) → inject → confirm drift → revert → baseline check + snapshot again
 *
 * and ends `sound` (drift seen, then the baseline and the very same snapshot
 * bytes back), `not_applied` (the check never saw drift), `not_reverted` (the
 * revert did not bring the host back) or `inconclusive` (the lab failed). The
 * safety nets are the run's: the revert journal entry is durable before the
 * inject and removed only once the host is proven back; Ctrl-C stops before
 * the next injection and still reverts; the transport is probed after every
 * scenario and a host that lost it is quarantined.
 */
export type SelfTestStatus = 'sound' | 'not_applied' | 'not_reverted' | 'inconclusive';

export interface SelfTestStep {
  readonly step: string;
  readonly exitCode: number | null;
  readonly durationMs: number;
}

export interface SelfTestResult {
  readonly attemptId: string;
  readonly scenarioId: string;
  readonly host: string;
  readonly status: SelfTestStatus;
  readonly detail: string;
  /** Every command of the proof, in order, with its exit code. */
  readonly steps: readonly SelfTestStep[];
  /** `drifted` is what a sound fault shows after the inject. */
  readonly driftCheck?: CheckOutcome['kind'];
  readonly baselineCheck?: CheckOutcome['kind'];
  /** SHA-256 (hex) of the snapshot's output before the inject and after the revert, for faults that take one. */
  readonly snapshotBefore?: string;
  readonly snapshotAfter?: string;
  /** When the fault's revert did not restore the host: how it was left. */
  readonly restoration?: { readonly by: 'snapshot' | 'none'; readonly quarantined: boolean; readonly journalEntry?: string; readonly detail: string };
  readonly durationMs: number;
}

export interface HostHealer {
  readonly host: string;
  /** What held the healer: its control's source, `absent`, or `not paused` (--no-pause). */
  readonly pause: string;
  readonly paused: boolean;
  /** false when the resume failed (its journal entry is then kept for the next run or `revert --pending`). */
  readonly resumed: boolean;
  readonly detail?: string;
}

export interface SelfTestOptions {
  readonly runId: string;
  readonly lab: LabConfig;
  readonly labFile: string;
  readonly attempts: readonly PlannedAttempt[];
  /** Per host: how its healer is paused; undefined only with --no-pause. */
  readonly pauses: ReadonlyMap<string, HealerPause | undefined>;
  readonly journal: RevertJournal;
  readonly clock: Clock;
  readonly sink: EventSink;
  readonly elapsed: () => number;
  readonly logger: Logger;
  readonly transportFor: (host: string) => Transport;
  /** First Ctrl-C: no further injection; the scenario under way is still reverted and verified. */
  readonly interrupt: AbortSignal;
  /** Hosts already unusable (pending reverts that could not be replayed), with why. */
  readonly quarantined?: ReadonlyMap<string, string>;
}

export interface SelfTestOutcome {
  readonly results: readonly SelfTestResult[];
  readonly healers: readonly HostHealer[];
}

/** Hosts are proven side by side; the scenarios of one host one after another (they share its paused healer). */
export async function runSelfTest(options: SelfTestOptions): Promise<SelfTestOutcome> {
  const byHost = new Map<string, { host: HostConfig; attempts: PlannedAttempt[] }>();
  for (const attempt of options.attempts) {
    if (attempt.skip || !attempt.host) continue;
    const group = byHost.get(attempt.host.name) ?? { host: attempt.host, attempts: [] };
    group.attempts.push(attempt);
    byHost.set(attempt.host.name, group);
  }
  const perHost = await Promise.all([...byHost.values()].map(({ host, attempts }) => selfTestHost(host, attempts, options)));
  const order = new Map(options.attempts.map((a, index) => [a.attemptId, index]));
  const results = perHost.flatMap((h) => h.results).sort((a, b) => order.get(a.attemptId)! - order.get(b.attemptId)!);
  return { results, healers: perHost.map((h) => h.healer) };
}

/** Runs one command of the proof as evidence (a `command` event) and notes its exit code. */
class Proof {
  readonly steps: SelfTestStep[] = [];
  private readonly started: number;

  constructor(readonly attemptId: string, private readonly transport: Transport, private readonly options: SelfTestOptions, private readonly timeoutMs: number) {
    this.started = options.clock.now();
  }

  async exec(label: string, step: CommandStep, command: string) {
    const result = await execRecorded(this.transport, this.options, step, command, { timeoutMs: this.timeoutMs, attemptId: this.attemptId });
    this.steps.push({ step: label, exitCode: result.exitCode, durationMs: Math.round(result.durationMs) });
    return result;
  }

  check(label: string, command: string): Promise<CheckOutcome> {
    return checkUntilItTells(command, (armed) => this.exec(label, 'check', armed.script), this.options.clock);
  }

  phase(phase: Phase, status: 'start' | 'end', ok?: boolean, detail?: string): void {
    this.options.sink.emit({ type: 'phase', attemptId: this.attemptId, phase, status, ...(ok !== undefined && { ok }), ...(detail !== undefined && { detail }) });
  }

  get durationMs(): number {
    return Math.round(this.options.clock.now() - this.started);
  }
}

async function selfTestHost(host: HostConfig, attempts: readonly PlannedAttempt[], options: SelfTestOptions): Promise<{ results: SelfTestResult[]; healer: HostHealer }> {
  const transport = options.transportFor(host.name);
  const pause = options.pauses.get(host.name);
  const results: SelfTestResult[] = [];
  let unusable = options.quarantined?.get(host.name);
  const notRun = (attempt: PlannedAttempt, detail: string) => results.push(unproven(attempt, host, detail));
  if (unusable) {
    for (const attempt of attempts) notRun(attempt, `not started: host quarantined (${unusable})`);
    return { results, healer: { host: host.name, pause: describePause(pause), paused: false, resumed: true, detail: unusable } };
  }
  const held = await pauseHealer(host, transport, pause, options);
  try {
    for (const attempt of attempts) {
      if (options.interrupt.aborted) notRun(attempt, 'not started: interrupted');
      else if (!held.paused) notRun(attempt, `not started: ${held.detail}`);
      else if (unusable) notRun(attempt, `not started: host quarantined (${unusable})`);
      else {
        const result = await proveFault(attempt, host, transport, options);
        results.push(result);
        const lost = await transportLost(transport);
        unusable = lost ?? (result.restoration?.quarantined ? result.restoration.detail : undefined);
        if (unusable) {
          options.logger.warn({ host: host.name, detail: unusable }, 'host quarantined');
          options.sink.emit({ type: 'host_quarantined', host: host.name, reason: lost ? 'transport_lost' : 'revert_failed', detail: unusable });
        }
      }
    }
  } finally {
    await held.resume();
  }
  return { results, healer: held.report() };
}

function describePause(pause: HealerPause | undefined): string {
  if (!pause) return 'not paused (--no-pause)';
  return pause.kind === 'absent' ? `no healer: ${pause.why}` : `healer_control of the ${pause.source}`;
}

/**
 * Pauses the host's healer; its resume is journalled first (like a revert), so
 * a run that dies with the healer paused leaves the resume for the next run or
 * `chaoslab revert --pending`. `resume` runs whatever happened and never throws.
 */
async function pauseHealer(host: HostConfig, transport: Transport, pause: HealerPause | undefined, options: SelfTestOptions) {
  const name = describePause(pause);
  const attemptId = `selftest-healer@${host.name}`;
  let state: { paused: boolean; resumed: boolean; detail?: string } = { paused: true, resumed: true };
  let entry: JournalEntry | undefined;
  const control = pause?.kind === 'control' ? pause.control : undefined;
  if (control) {
    try {
      entry = await options.journal.record({
        runId: options.runId,
        attemptId,
        host: host.name,
        labFile: options.labFile,
        hostIdentity: hostIdentity(host),
        shell: transport.shell,
        revert: [control.resume],
        check: transport.shell === 'powershell' ? 'exit 0' : 'true',
        timeoutMs: control.timeout,
      });
      const result = await execRecorded(transport, options, 'healer_control', control.pause, { timeoutMs: control.timeout, attemptId });
      if (result.exitCode !== 0) state = { paused: false, resumed: true, detail: `the healer could not be paused (pause exited ${result.exitCode}: ${excerpt((result.stderr || result.stdout).trim(), 200)})` };
    } catch (error) {
      state = { paused: false, resumed: true, detail: `the healer could not be paused: ${errorMessage(error)}` };
    }
  }
  return {
    get paused() {
      return state.paused;
    },
    get detail() {
      return state.detail ?? '';
    },
    resume: async () => {
      if (!control || !entry) return;
      try {
        const result = await execRecorded(transport, options, 'healer_control', control.resume, { timeoutMs: control.timeout, attemptId });
        if (result.exitCode !== 0) throw new Error(`resume exited ${result.exitCode}: ${excerpt((result.stderr || result.stdout).trim(), 200)}`);
        await options.journal.remove(entry.id);
      } catch (error) {
        state = { ...state, resumed: false, detail: `the healer could not be resumed (${errorMessage(error)}): journal entry ${entry.id} keeps the resume for the next run or \`chaoslab revert --pending\`` };
        options.sink.emit({ type: 'note', level: 'error', message: `${host.name}: ${state.detail}` });
      }
    },
    report: (): HostHealer => ({ host: host.name, pause: name, paused: state.paused && control !== undefined, resumed: state.resumed, ...(state.detail !== undefined && { detail: state.detail }) }),
  };
}

function unproven(attempt: PlannedAttempt, host: HostConfig, detail: string, proof?: Proof): SelfTestResult {
  return { attemptId: attempt.attemptId, scenarioId: attempt.scenario.config.id, host: host.name, status: 'inconclusive', detail, steps: proof?.steps ?? [], durationMs: proof?.durationMs ?? 0 };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** One scenario on one host; lab failures end it `inconclusive`, and whatever was injected is reverted. */
async function proveFault(attempt: PlannedAttempt, host: HostConfig, transport: Transport, options: SelfTestOptions): Promise<SelfTestResult> {
  const scenario = attempt.scenario.config;
  const proof = new Proof(attempt.attemptId, transport, options, scenario.timeout);
  const base = { attemptId: attempt.attemptId, scenarioId: scenario.id, host: host.name };
  let entry: JournalEntry | undefined;
  let injected = false;
  try {
    const commands = faultCommands(attempt.scenario, host);
    proof.phase('preflight', 'start');
    if (commands.applicable !== undefined) {
      const applicable = await proof.check('applicable', commands.applicable);
      if (applicable.kind !== 'compliant') return unproven(attempt, host, applicable.kind === 'drifted' ? 'the fault\'s preflight says this host cannot take it' : `the fault's preflight could not tell: ${applicable.detail}`, proof);
    }
    const before = await proof.check('baseline check', commands.check);
    proof.phase('preflight', 'end', before.kind === 'compliant');
    if (before.kind !== 'compliant') return unproven(attempt, host, before.kind === 'drifted' ? 'the host is not at baseline before the inject (check exited 1)' : `the baseline check could not tell: ${before.detail}`, proof);

    proof.phase('snapshot', 'start');
    let snapshot = '';
    if (commands.snapshot !== undefined) {
      const taken = await proof.exec('snapshot', 'snapshot', commands.snapshot);
      if (taken.exitCode !== 0) return unproven(attempt, host, `the snapshot exited ${taken.exitCode}: nothing injected`, proof);
      snapshot = taken.stdout.trim();
    }
    entry = await options.journal.record({
      runId: options.runId,
      attemptId: attempt.attemptId,
      host: host.name,
      labFile: options.labFile,
      hostIdentity: hostIdentity(host),
      shell: transport.shell,
      revert: [commands.revert(snapshot)],
      check: commands.check,
      timeoutMs: scenario.timeout,
    });
    proof.phase('snapshot', 'end', true);
    if (options.interrupt.aborted) {
      await options.journal.remove(entry.id);
      return unproven(attempt, host, 'interrupted before the inject', proof);
    }

    proof.phase('inject', 'start');
    injected = true;
    const inject = await proof.exec('inject', 'inject', commands.inject);
    proof.phase('inject', 'end', inject.exitCode === 0);
    proof.phase('confirm_drift', 'start');
    const drift = await proof.check('drift check', commands.check);
    proof.phase('confirm_drift', 'end', drift.kind === 'drifted');

    proof.phase('revert', 'start');
    const reverts = [];
    for (const command of entry.revert) reverts.push(await proof.exec('revert', 'revert', command));
    proof.phase('revert', 'end', reverts.every((r) => r.exitCode === 0));
    proof.phase('verify_baseline', 'start');
    const after = await proof.check('baseline check', commands.check);
    const snapshotAfter = commands.snapshot !== undefined ? (await proof.exec('snapshot after revert', 'snapshot', commands.snapshot)).stdout.trim() : undefined;
    const hashes = commands.snapshot !== undefined ? { snapshotBefore: sha256(snapshot), snapshotAfter: sha256(snapshotAfter!) } : {};
    const sameBytes = snapshotAfter === undefined || snapshotAfter === snapshot;
    const restored = after.kind === 'compliant' && sameBytes;
    proof.phase('verify_baseline', 'end', restored);
    const evidence = { ...base, steps: proof.steps, driftCheck: drift.kind, baselineCheck: after.kind, ...hashes };

    if (!restored) {
      const why = after.kind !== 'compliant' ? `the check ${after.kind === 'drifted' ? 'still reports drift (exit 1)' : `could not tell (${after.detail})`} after the revert` : 'the snapshot after the revert differs from the one before the inject';
      const restoration = await leaveAsFound(attempt, host, proof, commands, snapshot, entry, options);
      return { ...evidence, status: 'not_reverted', detail: `${why}; ${restoration.detail}`, restoration, durationMs: proof.durationMs };
    }
    await options.journal.remove(entry.id);
    if (drift.kind === 'drifted') return { ...evidence, status: 'sound', detail: 'drift confirmed, then the baseline and the snapshot restored', durationMs: proof.durationMs };
    if (drift.kind === 'compliant') return { ...evidence, status: 'not_applied', detail: `the check still passes after the inject (inject exited ${inject.exitCode})`, durationMs: proof.durationMs };
    return { ...evidence, status: 'inconclusive', detail: `the drift check could not tell after the inject: ${drift.detail}`, durationMs: proof.durationMs };
  } catch (error) {
    // a lab failure: the entry stays for the next run when anything was injected
    if (entry && !injected) await options.journal.remove(entry.id).catch(() => undefined);
    const kept = entry && injected ? `; journal entry ${entry.id} kept for the next run or \`chaoslab revert --pending\`` : '';
    return { ...unproven(attempt, host, `lab error: ${errorMessage(error)}${kept}`, proof), ...(entry && injected && { restoration: { by: 'none', quarantined: true, journalEntry: entry.id, detail: `not verified${kept}` } }) };
  }
}

/**
 * The fault's revert did not bring the host back. Restore it from the snapshot
 * where chaoslab can (self-test-restore.ts); otherwise the journal entry stays
 * and the host is quarantined for the rest of the self-test.
 */
async function leaveAsFound(
  attempt: PlannedAttempt,
  host: HostConfig,
  proof: Proof,
  commands: ReturnType<typeof faultCommands>,
  snapshot: string,
  entry: JournalEntry,
  options: SelfTestOptions,
): Promise<NonNullable<SelfTestResult['restoration']>> {
  const restore = commands.snapshot !== undefined ? restoreFromSnapshot(attempt, snapshot) : undefined;
  if (restore) {
    await proof.exec('restore from snapshot', 'revert', restore.command);
    const again = await proof.check('baseline check', commands.check);
    const bytes = (await proof.exec('snapshot after restore', 'snapshot', commands.snapshot!)).stdout.trim();
    if (again.kind === 'compliant' && bytes === snapshot) {
      await options.journal.remove(entry.id);
      return { by: 'snapshot', quarantined: false, detail: `the host was put back from the snapshot (${restore.what}) and verified byte-identical` };
    }
  }
  const how = restore ? `restoring ${restore.what} from the snapshot did not bring it back either` : 'chaoslab cannot restore this fault\'s snapshot by itself';
  return { by: 'none', quarantined: true, journalEntry: entry.id, detail: `${how}: host ${host.name} quarantined, journal entry ${entry.id} kept for \`chaoslab revert --pending\` once the revert is fixed` };
}

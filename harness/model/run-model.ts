import type { Tier } from '../config/fields.js';
import type { Platform } from '../core/platform.js';
import type { ExpectedOutcome } from '../config/scenario-schema.js';
import type { ResidueScan } from './residue.js';
import type { InconclusiveReason, Verdict } from './verdict.js';

/**
 * The run model: everything reporters may read. It is folded from events.jsonl
 * (harness/events/fold.ts) and contains only plain read-only data.
 */
/** The attempt's phases; the moves between them are ATTEMPT_TRANSITIONS (harness/engine/attempt-machine.ts). */
export type Phase =
  | 'preflight'
  | 'snapshot'
  | 'inject'
  | 'confirm_drift'
  | 'observe'
  | 'hold'
  | 'revert'
  | 'verify_baseline';

export interface PhaseSpan {
  readonly phase: Phase;
  /** ms since run start (monotonic) */
  readonly start: number;
  readonly end?: number;
  readonly ok?: boolean;
}

/** `healer_control`: `chaoslab selftest` pausing or resuming a host's healer. */
export type CommandStep = 'preflight' | 'snapshot' | 'inject' | 'check' | 'revert' | 'probe' | 'hook' | 'healer_control';

export interface CommandRecord {
  readonly step: CommandStep;
  readonly host: string;
  /** The command as sent (secrets redacted). */
  readonly command: string;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  /** ms since run start */
  readonly at: number;
  readonly error?: string;
}

export type SignalKind = 'detected' | 'claimed_healed' | 'heal_failed' | 'escalated' | 'suppressed';

export interface SignalRecord {
  readonly source: string;
  readonly kind: SignalKind;
  /** The stack's stamp, skew-corrected, ms since the attempt's t0 (end of injection). */
  readonly at: number;
  readonly host: string;
  readonly checkType: string;
  /**
   * The check type was a host-wide one (`*`, e.g. a convergence run's summary):
   * offered to every attempt on the host, it counts for this drift only when the ground truth confirms it.
   */
  readonly hostWide?: boolean;
  readonly runbook?: string;
  readonly tier?: string;
  /** The healer's own words about this event (its message or detail field), redacted like all host text. */
  readonly message?: string;
  /** When chaoslab received it, ms since t0. */
  readonly receivedAt: number;
  readonly raw: unknown;
}

export interface RejectedSignalRecord {
  readonly source: string;
  readonly reason: 'stale' | 'other_host' | 'other_check' | 'duplicate' | 'other_run' | 'malformed' | 'after_window';
  readonly detail: string;
  readonly raw: unknown;
}

/** Ground-truth check transitions (compliant ↔ drifted) with their time since t0. */
export interface ProbeRecord {
  readonly at: number;
  readonly compliant: boolean;
}

export interface Timings {
  /** From end of injection. Undefined when it never happened. */
  readonly detectMs?: number;
  readonly claimMs?: number;
  readonly restoreMs?: number;
}

export interface Funnel {
  readonly injected: number;
  readonly driftConfirmed: number;
  readonly detected: number;
  readonly claimed: number;
  readonly restored: number;
  readonly stayedRestored: number;
}

export interface AttemptResult {
  readonly attemptId: string;
  readonly scenarioId: string;
  readonly title: string;
  readonly platform: Platform;
  readonly host: string;
  readonly checkType: string;
  readonly tags: readonly string[];
  readonly category?: string;
  readonly bundleId?: string;
  /** 1 for a scenario's first attempt on a host, 2 for its first repeat… (the #N of the attempt id). */
  readonly repeatIndex: number;
  readonly shard?: string;
  readonly slaMs: number;
  readonly windowMs: number;
  readonly holdMs: number;
  readonly expect: { readonly outcome: ExpectedOutcome; readonly tier?: Tier; readonly runbook?: string };
  readonly verdict: Verdict;
  /** The verdict met the scenario's expectation. */
  readonly passed: boolean;
  /** Counted in the score: false for inconclusive (the lab failed) and skipped (not run) attempts (model/verdict.ts isExcludedFromScore). */
  readonly scored: boolean;
  /** Tier/runbook the stack reported vs what the scenario expected. */
  readonly observedTier?: string;
  readonly observedRunbook?: string;
  readonly tierMismatch: boolean;
  readonly runbookMismatch: boolean;
  readonly timings: Timings;
  readonly funnel: { readonly [K in keyof Funnel]: boolean };
  readonly phases: readonly PhaseSpan[];
  /** ms since run start */
  readonly startedAt: number;
  readonly endedAt?: number;
  /** Wall-clock epoch ms of t0, to line up with the stack's own records. */
  readonly t0Wall?: number;
  readonly skewMs?: number;
  readonly commands: readonly CommandRecord[];
  readonly signals: readonly SignalRecord[];
  readonly rejectedSignals: readonly RejectedSignalRecord[];
  readonly probes: readonly ProbeRecord[];
  /** Why the attempt got its verdict, in one line (model/cause.ts); absent in models saved before it existed. */
  readonly cause?: string;
}

export interface HostSummary {
  readonly name: string;
  readonly platform: Platform;
  readonly roles: readonly string[];
  readonly quarantined?: { readonly reason: InconclusiveReason | string; readonly at: number };
}

export type RunStatus = 'running' | 'completed' | 'interrupted' | 'halted' | 'crashed';

/** The halt condition that stopped the run, with what it saw (ms since the run started). */
export interface RunHalt {
  readonly condition: string;
  readonly kind: string;
  readonly detail: string;
  readonly evidence?: unknown;
  readonly at: number;
}

export interface RunModel {
  readonly runId: string;
  readonly lab: string;
  readonly startedAtWall: number;
  readonly endedAtWall?: number;
  readonly durationMs?: number;
  readonly status: RunStatus;
  /** The command line of the run (`run scenarios/ --lab …`), for rerun commands. */
  readonly argv: readonly string[];
  readonly suite?: string;
  readonly shard?: string;
  readonly hosts: readonly HostSummary[];
  /** Webhook observers that accepted unsigned events; absent when every webhook was signed. */
  readonly unsignedWebhooks?: readonly string[];
  readonly attempts: readonly AttemptResult[];
  /** The read-only scan for drift left on the hosts after the last attempt; absent when it was off (or the log predates it). */
  readonly residueScan?: ResidueScan;
  /** Set when a halt condition stopped the run: nothing was injected after it, active faults were reverted. */
  readonly halt?: RunHalt;
  /** Problems that are not attempts: reporter failures, warnings. */
  readonly notes: readonly { readonly level: 'info' | 'warn' | 'error'; readonly message: string }[];
  /** Run ids of merged shards, when this model was merged from several logs. */
  readonly mergedFrom?: readonly string[];
  /** The exit code the engine recorded at the end of the run (before CLI gates); absent while running or after a crash. */
  readonly exitCode?: number;
}

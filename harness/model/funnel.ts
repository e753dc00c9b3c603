import type { SignalRecord, Timings } from './run-model.js';

/**
 * How far the healing stack got with one drift: detected → claimed → restored →
 * stayed restored. One rule for the engine (after every judgement) and the fold
 * (from the recorded attempt), so the live view and every report count alike.
 * A host-wide summary (a convergence run's report) counts only when the
 * judgement counted it, and then it is timed; a signal naming the drift counts as it is.
 */
export interface StackFunnel {
  readonly detected: boolean;
  readonly claimed: boolean;
  readonly restored: boolean;
  readonly stayedRestored: boolean;
}

export interface StackFacts {
  readonly timings: Timings;
  /** The stack's accepted signals for the attempt. */
  readonly signals: readonly Pick<SignalRecord, 'kind' | 'hostWide'>[];
  /** The restore lasted the whole hold without a re-drift. */
  readonly held: boolean;
}

export function stackFunnel({ timings, signals, held }: StackFacts): StackFunnel {
  const named = signals.filter((s) => !s.hostWide);
  const restored = timings.restoreMs !== undefined;
  return {
    detected: timings.detectMs !== undefined || named.length > 0,
    claimed: timings.claimMs !== undefined || named.some((s) => s.kind === 'claimed_healed'),
    restored,
    stayedRestored: restored && held,
  };
}

import type { SignalRecord, Timings } from './run-model.js';

/**
 * Tier and runbook mismatches: the stack acted (claimed a heal or escalated)
 * with another tier or runbook than the scenario expects. They are recorded
 * beside the verdict and never change the pass. One rule for the engine and the fold.
 */
export interface ExpectationMismatches {
  readonly tierMismatch: boolean;
  readonly runbookMismatch: boolean;
}

export interface MismatchFacts {
  readonly expect: { readonly tier?: string; readonly runbook?: string };
  readonly observedTier?: string;
  readonly observedRunbook?: string;
  readonly timings: Timings;
  readonly signals: readonly Pick<SignalRecord, 'kind' | 'hostWide'>[];
}

/**
 * Only meaningful when the stack acted and the scenario expects a value: then a
 * missing value is a mismatch too.
 */
export function expectationMismatch(expected: string | undefined, observed: string | undefined, stackActed: boolean): boolean {
  return expected !== undefined && stackActed && observed !== expected;
}

export function expectationMismatches(facts: MismatchFacts): ExpectationMismatches {
  const acted = facts.timings.claimMs !== undefined || facts.signals.some((s) => !s.hostWide && (s.kind === 'claimed_healed' || s.kind === 'escalated'));
  return {
    tierMismatch: expectationMismatch(facts.expect.tier, facts.observedTier, acted),
    runbookMismatch: expectationMismatch(facts.expect.runbook, facts.observedRunbook, acted),
  };
}

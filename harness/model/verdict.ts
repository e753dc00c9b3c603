/**
 * Verdicts are read-only data. The union is closed: reporters switch on `kind`
 * and the compiler tells them when a kind is added.
 */
export type InconclusiveReason =
  | 'baseline_dirty'
  | 'injection_not_applied'
  | 'transport_lost'
  | 'unreachable'
  | 'clock_skew'
  | 'revert_failed'
  | 'observer_unavailable'
  | 'host_quarantined'
  | 'interrupted'
  | 'lab_error';

/** Why the plan did not run an attempt. A dry run records nothing; a quarantined host ends attempts `inconclusive`. */
export type SkipReason = 'no_matching_host' | 'platform_unavailable' | 'filtered';

/** Times are ms since the end of injection (the attempt's t0), on the harness clock. */
export type Verdict =
  | { readonly kind: 'healed'; readonly claimAt: number; readonly restoreAt: number }
  | { readonly kind: 'healed_late'; readonly claimAt: number; readonly restoreAt: number }
  | { readonly kind: 'flapped'; readonly restoreAt: number; readonly redriftAt: number; readonly claims: number }
  | { readonly kind: 'false_heal'; readonly claimAt: number }
  | { readonly kind: 'silent_heal'; readonly restoreAt: number }
  | { readonly kind: 'escalated'; readonly escalatedAt: number; readonly tier?: string }
  | { readonly kind: 'not_healed' }
  | { readonly kind: 'inconclusive'; readonly reason: InconclusiveReason; readonly detail: string }
  | { readonly kind: 'skipped'; readonly reason: SkipReason; readonly detail: string };

export type VerdictKind = Verdict['kind'];

export const VERDICT_KINDS: readonly VerdictKind[] = [
  'healed',
  'healed_late',
  'flapped',
  'false_heal',
  'silent_heal',
  'escalated',
  'not_healed',
  'inconclusive',
  'skipped',
];

/** Verdicts that are the lab's fault or not attempted: kept out of the score's denominator. */
export function isExcludedFromScore(kind: VerdictKind): boolean {
  return kind === 'inconclusive' || kind === 'skipped';
}

/**
 * Verdicts are read-only data. The union is closed: reporters switch on `kind`
 * and the compiler tells them when a kind is added.
 */
export type InconclusiveReason =
  | 'baseline_dirty'
  | 'injection_not_applied'
  | 'transport_lost'
  /** The host refused chaoslab's key, password or pinned host key (a reconnect mid-run, or preflight): not a network loss. */
  | 'credentials_refused'
  | 'unreachable'
  | 'clock_skew'
  | 'revert_failed'
  | 'observer_unavailable'
  | 'observer_misconfigured'
  | 'host_quarantined'
  | 'interrupted'
  /** The ground-truth check kept failing to tell (exit 2+, a throw, a missing command): never read as drift. */
  | 'probe_error'
  | 'lab_error';

/**
 * Why the plan did not run an attempt (a quarantined host ends attempts
 * `inconclusive`). `dry_run`: `--dry-run` recorded the plan without running it.
 * `halted`: a halt condition stopped the run before the attempt started.
 * `not_applicable`: the fault's preflight found the host cannot take this
 * drift as written (GPO-managed setting, domain-authenticated network, no
 * Defender…). Nothing was injected and neither the healer nor the lab failed,
 * so it is a skip, not an inconclusive attempt.
 */
export type SkipReason = 'no_matching_host' | 'platform_unavailable' | 'filtered' | 'dry_run' | 'not_applicable' | 'halted';

/**
 * Times are ms since the end of injection (the attempt's t0), on the harness
 * clock; `claimAt` is the stack's stamp (skew-corrected) of the claim that
 * decided, `claimReceivedAt` when chaoslab received that claim.
 */
export type Verdict =
  | { readonly kind: 'healed'; readonly claimAt: number; readonly restoreAt: number; readonly claimReceivedAt?: number }
  | { readonly kind: 'healed_late'; readonly claimAt: number; readonly restoreAt: number; readonly claimReceivedAt?: number }
  | {
      readonly kind: 'flapped';
      readonly restoreAt: number;
      readonly redriftAt: number;
      readonly claims: number;
      /** Who saw the drift come back: chaoslab's own check, or the stack detecting it again. */
      readonly redriftSeenBy?: 'ground_truth' | 'stack';
    }
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

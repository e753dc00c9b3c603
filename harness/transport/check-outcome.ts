import type { Clock } from '../core/clock.js';
import { excerpt } from '../core/redact.js';
import type { ExecResult } from './transport.js';

/**
 * The check contract, on every platform: exit 0 = compliant, exit 1 =
 * drifted, anything else (2+, 127 for a missing command, a signal, no exit
 * code) = the probe could not tell. A check that cannot tell is never drift:
 * one failed probe must not turn a heal into `flapped` or a clean host into
 * `baseline_dirty`.
 *
 * An applicability command (a fault's preflight) follows the same contract:
 * 0 = applicable, 1 = not applicable here (its output says why), anything
 * else = it could not tell.
 */
export const CHECK_EXIT = { compliant: 0, drifted: 1 } as const;

export type CheckOutcome =
  | { readonly kind: 'compliant' }
  | { readonly kind: 'drifted' }
  | { readonly kind: 'probe_error'; readonly detail: string };

export function readCheck(result: ExecResult): CheckOutcome {
  if (result.exitCode === CHECK_EXIT.compliant) return { kind: 'compliant' };
  if (result.exitCode === CHECK_EXIT.drifted) return { kind: 'drifted' };
  const why = excerpt((result.stderr || result.stdout).trim(), 300);
  return { kind: 'probe_error', detail: `check exited ${result.exitCode ?? 'without an exit code'}${why ? `: ${why}` : ''}` };
}

/** How often a probe that could not tell is asked again before the attempt gives up on it. */
export const PROBE_ERROR_RETRIES = 2;
export const PROBE_ERROR_RETRY_DELAY_MS = 1000;

/**
 * Runs a check until it tells (compliant or drifted), at most
 * 1 + PROBE_ERROR_RETRIES times: a probe error that persists is returned for
 * the caller to end the attempt as `inconclusive` (`probe_error`).
 */
export async function checkUntilItTells(run: () => Promise<ExecResult>, clock: Clock, signal?: AbortSignal): Promise<CheckOutcome> {
  let outcome = readCheck(await run());
  for (let retry = 0; outcome.kind === 'probe_error' && retry < PROBE_ERROR_RETRIES; retry += 1) {
    await clock.sleep(PROBE_ERROR_RETRY_DELAY_MS, signal);
    outcome = readCheck(await run());
  }
  return outcome;
}

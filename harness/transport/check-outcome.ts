import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { excerpt } from '../core/redact.js';
import { CHECK_MARKER, CHECK_NONCE_VARIABLE } from '../quoting/powershell.js';
import type { ExecResult } from './transport.js';

/**
 * The check contract, on every platform: the check says compliant, drifted,
 * or that it could not tell (a probe error). A check that cannot tell is
 * never drift: one failed probe must not turn a heal into `flapped` or a
 * clean host into `baseline_dirty`.
 *
 * A PowerShell check (the fault library's `psCheck`, a scenario's own check
 * step) prints its verdict as a marker line on stdout,
 * `chaoslab-check <nonce> compliant|drifted|probe_error[ <detail>]`, with a
 * nonce chaoslab picks for each run (`armCheck`): the marker decides whatever
 * the exit code, which the shell around PowerShell may have changed (OpenSSH's
 * `powershell -c` turns 2 into 1). Without a marker — a POSIX check, or a
 * PowerShell check that ended with a bare `exit` — the exit code decides:
 * 0 = compliant, 1 = drifted, anything else (2+, 127 for a missing command, a
 * signal, no exit code) = could not tell. POSIX shells pass exit codes
 * through unchanged, so POSIX checks keep exit codes only.
 *
 * An applicability command (a fault's preflight) follows the same contract:
 * applicable = compliant, not applicable here = drifted (its detail says why).
 */
export const CHECK_EXIT = { compliant: 0, drifted: 1 } as const;

export type CheckOutcome =
  | { readonly kind: 'compliant' }
  | { readonly kind: 'drifted'; readonly detail?: string }
  | { readonly kind: 'probe_error'; readonly detail: string };

/** A check as sent: the script, and the nonce its marker must carry (none for a check without markers). */
export interface ArmedCheck {
  readonly script: string;
  readonly nonce?: string;
}

/**
 * Gives a marker-printing PowerShell check a fresh nonce (assigned in a line
 * put before it); any other script is sent as it is.
 */
export function armCheck(script: string, nonce: string = randomBytes(16).toString('hex')): ArmedCheck {
  if (!script.includes(`$${CHECK_NONCE_VARIABLE}`)) return { script };
  return { script: `$${CHECK_NONCE_VARIABLE} = '${nonce}'\n${script}`, nonce };
}

const MARKER_KIND: Readonly<Record<string, CheckOutcome['kind']>> = {
  compliant: 'compliant',
  applicable: 'compliant',
  drifted: 'drifted',
  not_applicable: 'drifted',
  probe_error: 'probe_error',
};

/** The last marker line carrying `nonce`, as an outcome; undefined when there is none. */
function readMarker(stdout: string, nonce: string): CheckOutcome | undefined {
  const prefix = `${CHECK_MARKER} ${nonce} `;
  let found: CheckOutcome | undefined;
  for (const line of stdout.split(/\r?\n/)) {
    const at = line.indexOf(prefix);
    if (at < 0) continue;
    const [word = '', ...rest] = line.slice(at + prefix.length).split(' ');
    const kind = MARKER_KIND[word];
    if (kind === undefined) continue;
    const detail = excerpt(rest.join(' ').trim(), 300);
    if (kind === 'compliant') found = { kind };
    else if (kind === 'drifted') found = detail ? { kind, detail } : { kind };
    else found = { kind, detail: detail || 'the check said it could not tell' };
  }
  return found;
}

/** The outcome of one run of a check: its marker when `nonce` is given and found, else its exit code. */
export function readCheck(result: ExecResult, nonce?: string): CheckOutcome {
  const marked = nonce === undefined ? undefined : readMarker(result.stdout, nonce);
  if (marked) return marked;
  if (result.exitCode === CHECK_EXIT.compliant) return { kind: 'compliant' };
  if (result.exitCode === CHECK_EXIT.drifted) return { kind: 'drifted' };
  const why = excerpt((result.stderr || result.stdout).trim(), 300);
  return { kind: 'probe_error', detail: `check exited ${result.exitCode ?? 'without an exit code'}${why ? `: ${why}` : ''}` };
}

/** Runs `script` once through `exec` (armed with a fresh nonce) and reads it. */
export async function runCheck(script: string, exec: (armed: ArmedCheck) => Promise<ExecResult>): Promise<{ readonly result: ExecResult; readonly outcome: CheckOutcome }> {
  const armed = armCheck(script);
  const result = await exec(armed);
  return { result, outcome: readCheck(result, armed.nonce) };
}

/** How often a probe that could not tell is asked again before the attempt gives up on it. */
export const PROBE_ERROR_RETRIES = 2;
export const PROBE_ERROR_RETRY_DELAY_MS = 1000;

/**
 * Runs a check until it tells (compliant or drifted), at most
 * 1 + PROBE_ERROR_RETRIES times, each run with its own nonce: a probe error
 * that persists is returned for the caller to end the attempt as
 * `inconclusive` (`probe_error`).
 */
export async function checkUntilItTells(script: string, exec: (armed: ArmedCheck) => Promise<ExecResult>, clock: Clock, signal?: AbortSignal): Promise<CheckOutcome> {
  let { outcome } = await runCheck(script, exec);
  for (let retry = 0; outcome.kind === 'probe_error' && retry < PROBE_ERROR_RETRIES; retry += 1) {
    await clock.sleep(PROBE_ERROR_RETRY_DELAY_MS, signal);
    ({ outcome } = await runCheck(script, exec));
  }
  return outcome;
}

/**
 * Exit codes of every chaoslab command, documented in README and `--help`.
 * When several apply, the most severe wins (ordered below, most severe first).
 */
export const ExitCode = {
  /** Every expectation met (and every gate passed). */
  ok: 0,
  /** At least one attempt did not meet its expectation, or a gate failed. */
  expectationFailed: 1,
  /** Bad usage or invalid config: nothing was injected. */
  usage: 2,
  /** Lab errors dominate: more attempts were inconclusive than could be scored, or the lab could not start. */
  labErrors: 3,
  /** A reporter failed: some output is missing (the others were written). */
  reporterFailed: 4,
  /** A halt condition fired: nothing more was injected and what was active was reverted. */
  halted: 5,
  /** Interrupted (Ctrl-C / SIGTERM) after reverting what was active. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const SEVERITY: readonly ExitCodeValue[] = [ExitCode.interrupted, ExitCode.usage, ExitCode.halted, ExitCode.labErrors, ExitCode.reporterFailed, ExitCode.expectationFailed, ExitCode.ok];

export function mostSevere(...codes: ExitCodeValue[]): ExitCodeValue {
  for (const code of SEVERITY) if (codes.includes(code)) return code;
  return ExitCode.ok;
}

export const EXIT_CODE_HELP = `Exit codes:
  0    every expectation met and every gate passed (failing known gaps, tag known-gap, are expected failures)
  1    an expectation failed that is not a known gap (or a gate: --min-heal-rate, --fail-on, --max-inconclusive)
  2    usage or configuration error; nothing was injected
  3    lab errors dominate (inconclusive attempts outnumber scored ones) or the lab failed
  4    a reporter failed; the other reports were still written
  5    a halt condition fired: nothing more was injected, active faults were reverted
  130  interrupted; active faults were reverted (a second Ctrl-C exits at once, the journal stays)`;

import { quotePowerShell } from './shell.js';

/** A PowerShell script from lines; stops at the first error so a failed step exits non-zero. */
export function psScript(...lines: readonly string[]): string {
  return ["$ErrorActionPreference = 'Stop'", ...lines].join('\n');
}

/** What a check exits with when it could not tell (the check contract: 0 compliant, 1 drifted, else a probe error). */
export const PS_PROBE_ERROR_EXIT = 2;

/**
 * The verdict marker a PowerShell check prints on stdout:
 * `chaoslab-check <nonce> <verdict>[ <detail>]`. Exit codes alone do not survive
 * every way PowerShell is started: OpenSSH for Windows with `DefaultShell` set to
 * powershell.exe runs the command inside `powershell -c`, which turns any
 * non-zero exit of the program it ran into 1 — a probe error (2) would read as
 * drift. The nonce is chosen by chaoslab for each run of the check
 * (`armCheck`, harness/transport/check-outcome.ts) and assigned in a line put
 * before the script, so nothing the host prints (a log, a registry value, an
 * old run's output) can carry it.
 */
export const CHECK_MARKER = 'chaoslab-check';
export const CHECK_NONCE_VARIABLE = 'ChaoslabCheckNonce';

/** The words a marker may carry; an applicability test says applicable / not_applicable. */
export type VerdictWord = 'compliant' | 'drifted' | 'probe_error' | 'applicable' | 'not_applicable';

/**
 * A statement printing the verdict marker. `detail` is a PowerShell expression
 * (its text goes on the same line, whitespace folded). Only Write-Output and
 * string operators: it runs under ConstrainedLanguage (WDAC/AppLocker), where
 * `[Console]` and every method of a non-core type throw.
 */
export function psVerdict(verdict: VerdictWord, detail?: string): string {
  const text = detail === undefined ? `' ${verdict}'` : `' ${verdict} ' + ([string](${detail}) -replace '\\s+', ' ').Trim()`;
  return `Write-Output ('${CHECK_MARKER} ' + $${CHECK_NONCE_VARIABLE} + ${text})`;
}

/** Prints the verdict, then exits with the code that stands for it (the fallback when no marker is read). */
export function psVerdictExit(verdict: VerdictWord, detail?: string): string {
  const code = verdict === 'compliant' || verdict === 'applicable' ? 0 : verdict === 'probe_error' ? PS_PROBE_ERROR_EXIT : 1;
  return `${psVerdict(verdict, detail)}; exit ${code}`;
}

/**
 * A check (or applicability test) under the check contract. An uncaught error
 * would exit 1, the "drifted" code: the body runs in a try whose catch prints
 * the `probe_error` marker with the reason and exits 2. The body decides with
 * `psVerdictExit` (as `driftedWhen` and `notApplicableWhen` do); a bare
 * `exit 0` / `exit 1` still works through the exit-code fallback.
 */
export function psCheck(...lines: readonly string[]): string {
  return psScript(catchAsProbeError(lines));
}

/**
 * A scenario's own PowerShell `check` step under the same contract. It runs
 * through Invoke-Expression so that a parse error in it is an error the catch
 * sees (probe error), not PowerShell's exit 1 (drift); its `exit 0` / `exit 1`
 * still end the process. Its error preference is left as the author wrote it.
 */
export function psStepCheck(check: string): string {
  return catchAsProbeError([`Invoke-Expression -Command ${quotePowerShell(check)}`]);
}

function catchAsProbeError(lines: readonly string[]): string {
  return ['try {', ...lines, '} catch {', `  ${psVerdictExit('probe_error', "'check failed: ' + $_")}`, '}'].join('\n');
}

/** After a native command: its failure is an error (PowerShell 5.1 ignores native exit codes even under 'Stop'). */
export function psNativeSucceeded(what: string): string {
  return `if ($LASTEXITCODE -ne 0) { throw "${what} exited $LASTEXITCODE" }`;
}

/**
 * Put before a script run remotely (WinRM, OpenSSH for Windows): silences
 * progress records, which would otherwise reach stderr as CLIXML, and writes
 * UTF-8 (a remote console otherwise uses the OEM code page). Setting
 * `[Console]::OutputEncoding` throws under ConstrainedLanguage, so it is only
 * done in FullLanguage; a constrained host's output stays in its OEM code page
 * (ASCII, and so every verdict marker, is the same in both).
 */
export const UTF8_PRELUDE =
  "$ProgressPreference = 'SilentlyContinue'\nif ($ExecutionContext.SessionState.LanguageMode -eq 'FullLanguage') { [Console]::OutputEncoding = [System.Text.Encoding]::UTF8 }\n";

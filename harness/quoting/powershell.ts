/** A PowerShell script from lines; stops at the first error so a failed step exits non-zero. */
export function psScript(...lines: readonly string[]): string {
  return ["$ErrorActionPreference = 'Stop'", ...lines].join('\n');
}

/** What a check exits with when it could not tell (the check contract: 0 compliant, 1 drifted, else a probe error). */
export const PS_PROBE_ERROR_EXIT = 2;

/**
 * A check (or applicability test) under the check contract. An uncaught error
 * would exit 1, the "drifted" code: the body runs in a try whose catch says
 * why on stderr and exits 2 instead. `exit 0` / `exit 1` in the body are not
 * errors and pass straight through.
 */
export function psCheck(...lines: readonly string[]): string {
  return psScript(catchAsProbeError(lines));
}

/**
 * A scenario's own PowerShell `check` step under the same contract. Its error
 * preference is left as the author wrote it (no 'Stop' added); an error that
 * does terminate it exits 2, not 1.
 */
export function psStepCheck(check: string): string {
  return catchAsProbeError([check]);
}

function catchAsProbeError(lines: readonly string[]): string {
  return ['try {', ...lines, '} catch {', "  [Console]::Error.WriteLine('check failed: ' + $_.ToString())", `  exit ${PS_PROBE_ERROR_EXIT}`, '}'].join('\n');
}

/** After a native command: its failure is an error (PowerShell 5.1 ignores native exit codes even under 'Stop'). */
export function psNativeSucceeded(what: string): string {
  return `if ($LASTEXITCODE -ne 0) { throw "${what} exited $LASTEXITCODE" }`;
}

/**
 * Put before a script run remotely (WinRM, OpenSSH for Windows): writes UTF-8
 * (a remote console otherwise uses the OEM code page) and silences progress
 * records, which would otherwise reach stderr as CLIXML.
 */
export const UTF8_PRELUDE = "$ProgressPreference = 'SilentlyContinue'\n[Console]::OutputEncoding = [System.Text.Encoding]::UTF8\n";

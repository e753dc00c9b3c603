import { psCheck } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';

/**
 * Checks and preflights that keep the check contract under ConstrainedLanguage
 * (WDAC/AppLocker), where PowerShell refuses method calls on anything but core
 * types: psCheck's catch writes through `[Console]::Error.WriteLine`, which is
 * refused there, so an error would end the script with exit 1, "drifted". The
 * body's own catch reports through a cmdlet and exits 2 first. (Local to the
 * network-and-security faults until psCheck itself is safe; see the report of
 * issue #22.)
 */
export function constrainedSafeCheck(...lines: readonly string[]): string {
  return psCheck('try {', ...lines, '} catch {', '  Write-Error -Message "check failed: $_" -ErrorAction Continue', '  exit 2', '}');
}

/**
 * The applicability preflight (exit 1 with the reason on stdout when a test
 * holds, 0 otherwise, 2 when it could not tell), printing with Write-Output,
 * which ConstrainedLanguage allows, instead of `[Console]::Out.WriteLine`.
 */
export function notApplicableWhenSafe(...tests: readonly { readonly when: string; readonly reason: string }[]): string {
  return constrainedSafeCheck(...tests.map(({ when, reason }) => `if (${when}) { Write-Output ${ps`${reason}`}; exit 1 }`), 'exit 0');
}

import { z } from 'zod';
import { psCheck, psVerdictExit } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';

/** Shared pieces of the Windows faults: snapshots travel as compact JSON on stdout. */

/** Ends a script printing `value` (a PowerShell expression) as compact JSON. */
export function printJson(expression: string): string {
  return `ConvertTo-Json -Compress -Depth 4 -InputObject (${expression})`;
}

/** Loads the snapshot JSON into `$snapshot` (quoted as a literal, never pasted). */
export function loadSnapshot(snapshot: string): string {
  return ps`$snapshot = ConvertFrom-Json -InputObject ${snapshot}`;
}

/** Prints the `drifted` verdict and exits 1 when `condition` holds, else `compliant` and 0 (the check contract). */
export function driftedWhen(condition: string): string {
  return `if (${condition}) { ${psVerdictExit('drifted')} } else { ${psVerdictExit('compliant')} }`;
}

/**
 * A fault's applicability preflight: each test is a condition and the reason
 * carried by the `not_applicable` verdict when it holds (exit 1); none holds →
 * `applicable` (exit 0). Errors are probe errors like a check's (could not tell).
 */
export function notApplicableWhen(...tests: readonly { readonly when: string; readonly reason: string }[]): string {
  return psCheck(...tests.map(({ when, reason }) => `if (${when}) { ${psVerdictExit('not_applicable', ps`${reason}`)} }`), psVerdictExit('applicable'));
}

/** RFC 5737 documentation networks: configuration that can never reach a real host. */
const DOCUMENTATION_NETS = [/^192\.0\.2\./, /^198\.51\.100\./, /^203\.0\.113\./];

export const documentationAddress = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, 'must be an IPv4 address')
  .refine((value) => DOCUMENTATION_NETS.some((net) => net.test(value)) && value.split('.').every((part) => Number(part) <= 255), {
    message: 'must be an RFC 5737 documentation address (192.0.2.x, 198.51.100.x, 203.0.113.x): the fault changes configuration and must never point at a real resolver',
  });

export const registryPath = z
  .string()
  .min(1)
  .regex(/^(HKLM|HKCU|HKU|HKCR|HKCC):\\[^\0]*$/, 'must be a registry path like HKLM:\\SOFTWARE\\Vendor (PowerShell provider form)')
  .refine((path) => !path.endsWith('\\'), 'must not end with a backslash');

/** PowerShell creates only the HKLM: and HKCU: drives; the other hives are reached through the Registry provider. */
const PROVIDER_ROOTS: Readonly<Record<string, string>> = { HKU: 'HKEY_USERS', HKCR: 'HKEY_CLASSES_ROOT', HKCC: 'HKEY_CURRENT_CONFIG' };

/** `HKU:\S-1-5-19\X` → `Registry::HKEY_USERS\S-1-5-19\X`; HKLM: and HKCU: paths stay as written. */
export function registryProviderPath(path: string): string {
  const drive = path.slice(0, path.indexOf(':'));
  const root = PROVIDER_ROOTS[drive];
  return root === undefined ? path : `Registry::${root}${path.slice(drive.length + 1)}`;
}

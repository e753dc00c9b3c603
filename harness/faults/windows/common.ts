import { z } from 'zod';
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

/** Exits 1 (drifted) when `condition` holds, else 0 (compliant). */
export function driftedWhen(condition: string): string {
  return `if (${condition}) { exit 1 } else { exit 0 }`;
}

/** RFC 5737 documentation networks: configuration that can never reach a real host. */
const DOCUMENTATION_NETS = [/^192\.0\.2\./, /^198\.51\.100\./, /^203\.0\.113\./];

export const documentationAddress = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, 'must be an IPv4 address')
  .refine((value) => DOCUMENTATION_NETS.some((net) => net.test(value)) && value.split('.').every((part) => Number(part) <= 255), {
    message: 'must be an RFC 5737 documentation address (192.0.2.x, 198.51.100.x, 203.0.113.x): the fault changes configuration and must never point at a real resolver',
  });

/** Windows names passed to native tools (auditpol) cannot carry quotes: PowerShell 5.1 mangles them. */
export const nativeSafeName = z.string().min(1).regex(/^[A-Za-z0-9 _./{}()-]+$/, 'letters, digits, spaces and _ . / { } ( ) - only (passed to a native command)');

export const registryPath = z
  .string()
  .min(1)
  .regex(/^(HKLM|HKCU|HKU|HKCR|HKCC):\\[^\0]*$/, 'must be a registry path like HKLM:\\SOFTWARE\\Vendor (PowerShell provider form)')
  .refine((path) => !path.endsWith('\\'), 'must not end with a backslash');

import { z } from 'zod';
import { psCheck, psNativeSucceeded, psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, printJson } from './common.js';

/**
 * auditpol's names and settings are localised ("Anmelden", "Keine
 * Überwachung", "Aciertos y errores"), so nothing here compares text: a
 * subcategory is named by its GUID and its setting read as the number in the
 * `auditpol /backup` CSV (bit 1 success, bit 2 failure; 0 = no auditing, and
 * 4 = "none" in Group Policy's form of the same file), by column position.
 */
export const AUDITPOL_BACKUP_COLUMNS = ['machine', 'target', 'subcategory', 'guid', 'inclusion', 'exclusion', 'value'] as const;

/** English names of common subcategories → their GUIDs (the names are only accepted as a convenience). */
export const AUDIT_SUBCATEGORY_GUIDS: Readonly<Record<string, string>> = {
  'logon': '{0CCE9215-69AE-11D9-BED3-505054503030}',
  'logoff': '{0CCE9216-69AE-11D9-BED3-505054503030}',
  'account lockout': '{0CCE9217-69AE-11D9-BED3-505054503030}',
  'special logon': '{0CCE921B-69AE-11D9-BED3-505054503030}',
  'other logon/logoff events': '{0CCE921C-69AE-11D9-BED3-505054503030}',
  'sensitive privilege use': '{0CCE9228-69AE-11D9-BED3-505054503030}',
  'process creation': '{0CCE922B-69AE-11D9-BED3-505054503030}',
  'audit policy change': '{0CCE922F-69AE-11D9-BED3-505054503030}',
  'user account management': '{0CCE9235-69AE-11D9-BED3-505054503030}',
  'security group management': '{0CCE9237-69AE-11D9-BED3-505054503030}',
  'credential validation': '{0CCE923F-69AE-11D9-BED3-505054503030}',
};

const GUID = /^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$/;

const params = z.strictObject({
  /** A subcategory GUID like "{0CCE9215-69AE-11D9-BED3-505054503030}", or one of the English names above. */
  subcategory: z
    .string()
    .min(1)
    .default('Logon')
    .transform((value, context) => {
      const guid = GUID.test(value) ? value.toUpperCase() : AUDIT_SUBCATEGORY_GUIDS[value.toLowerCase()];
      if (guid !== undefined) return guid;
      context.addIssue({ code: 'custom', message: `must be a subcategory GUID like {0CCE9215-69AE-11D9-BED3-505054503030} (auditpol /list /subcategory:* /v) or one of: ${Object.keys(AUDIT_SUBCATEGORY_GUIDS).join(', ')}` });
      return z.NEVER;
    }),
});

/**
 * Sets `$setting` to the subcategory's numeric setting from a fresh `auditpol
 * /backup` (the file is always removed). Not `auditpol /get /r`: its report
 * has the setting only as localised words, no number.
 */
function readSetting(guid: string): string {
  return [
    "$file = Join-Path $env:TEMP ('chaoslab-auditpol-' + [guid]::NewGuid().ToString() + '.csv')",
    'try {',
    '  & auditpol.exe /backup "/file:$file" | Out-Null',
    `  ${psNativeSucceeded('auditpol.exe /backup')}`,
    ps`  $row = Get-Content -LiteralPath $file | Select-Object -Skip 1 | ConvertFrom-Csv -Header ${[...AUDITPOL_BACKUP_COLUMNS]} | Where-Object { $_.guid -eq ${guid} } | Select-Object -First 1`,
    '} finally { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }',
    // /backup writes a row for every subcategory ("No Auditing" ones with 0): no row means
    // auditpol does not know this GUID, and a check must say it could not tell, not "drifted".
    ps`if ($null -eq $row) { throw ${`auditpol /backup has no row for subcategory ${guid}`} }`,
    '$setting = [int]$row.value',
  ].join('\n');
}

/** Success or failure auditing on: bits 1 and 2 of the setting value. */
export const AUDITS_SOMETHING = '($setting -band 3) -ne 0';

/**
 * An audit policy subcategory set to "No Auditing". The snapshot keeps the
 * numeric setting; revert turns success and failure auditing back on from
 * its bits, never from localised words.
 */
export const auditPolicyDisabled = defineFault({
  name: 'windows.audit_policy_disabled',
  platform: 'windows',
  summary: 'Disables success and failure auditing of an audit policy subcategory',
  params,
  resources: ({ subcategory }) => [`audit_policy:${subcategory.toLowerCase()}`],
  footprint: () => ({}),
  build: ({ subcategory }) => ({
    snapshot: psScript(readSetting(subcategory), printJson('[ordered]@{ setting = $setting }')),
    inject: psScript(ps`& auditpol.exe /set ${`/subcategory:${subcategory}`} /success:disable /failure:disable`, psNativeSucceeded('auditpol.exe /set')),
    check: psCheck(readSetting(subcategory), driftedWhen(`-not (${AUDITS_SOMETHING})`)),
    revert: (snapshot) =>
      psScript(
        loadSnapshot(snapshot),
        "$success = if (([int]$snapshot.setting -band 1) -ne 0) { 'enable' } else { 'disable' }",
        "$failure = if (([int]$snapshot.setting -band 2) -ne 0) { 'enable' } else { 'disable' }",
        ps`& auditpol.exe /set ${`/subcategory:${subcategory}`} "/success:$success" "/failure:$failure"`,
        psNativeSucceeded('auditpol.exe /set'),
      ),
  }),
});

import { z } from 'zod';
import { psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, nativeSafeName, printJson } from './common.js';

const params = z.strictObject({
  /** auditpol subcategory name (English) or GUID, e.g. "Logon" or "{0CCE9215-69AE-11D9-BED3-505054503030}". */
  subcategory: nativeSafeName.default('Logon'),
});

/** Reads the subcategory's "Inclusion Setting" from auditpol's CSV report. */
function readSetting(subcategory: string): string {
  return ps`$setting = ((& auditpol.exe /get "/subcategory:$(${subcategory})" /r | ConvertFrom-Csv) | Select-Object -First 1).'Inclusion Setting'`;
}

/**
 * An audit policy subcategory set to "No Auditing". The snapshot keeps the
 * inclusion setting as auditpol reports it (English names on an English
 * system) and revert maps it back to /success and /failure switches.
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
    inject: psScript(ps`& auditpol.exe /set "/subcategory:$(${subcategory})" /success:disable /failure:disable`, 'if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }'),
    check: psScript(readSetting(subcategory), driftedWhen("$setting -eq 'No Auditing'")),
    revert: (snapshot) =>
      psScript(
        loadSnapshot(snapshot),
        "$success = if ($snapshot.setting -match 'Success') { 'enable' } else { 'disable' }",
        "$failure = if ($snapshot.setting -match 'Failure') { 'enable' } else { 'disable' }",
        ps`& auditpol.exe /set "/subcategory:$(${subcategory})" "/success:$success" "/failure:$failure"`,
        'if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }',
      ),
  }),
});

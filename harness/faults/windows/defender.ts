import { z } from 'zod';
import { psCheck, psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, notApplicableWhen, printJson } from './common.js';

const params = z.strictObject({
  path: z.string().min(1).regex(/^[A-Za-z]:\\/, 'an absolute Windows path like C:\\ProgramData\\x').default('C:\\ProgramData\\chaoslab-excluded'),
});

/**
 * Reads the exclusion list into `$paths`. Get-MpPreference shows a
 * non-administrator the single entry "N/A: Must be an administrator to view
 * exclusions" instead of the list: that is an error here, not "no exclusion".
 */
const READ_EXCLUSIONS = [
  '$paths = @((Get-MpPreference).ExclusionPath)',
  "if (@($paths | Where-Object { [string]$_ -like 'N/A:*' }).Count -gt 0) { throw 'Defender hides its exclusion list from this account (not an administrator)' }",
].join('\n');

/**
 * A Microsoft Defender exclusion path (malware there is no longer scanned).
 * With another antivirus installed (Defender off) or Defender removed, the
 * Mp cmdlets fail (0x800106ba): the fault is not applicable there.
 */
export const defenderExclusion = defineFault({
  name: 'windows.defender_exclusion',
  platform: 'windows',
  summary: 'Adds a Microsoft Defender exclusion path',
  params,
  resources: () => ['defender'],
  footprint: () => ({}),
  build: ({ path }) => {
    const present = ps`$paths -contains ${path}`;
    return {
      applicable: notApplicableWhen(
        // A wildcard that matches nothing is no error (about_Wildcards), so "not installed" needs no silenced lookup,
        // and any other failure stays an error: a probe error, never "not applicable".
        { when: "$null -eq (Get-Command -Name 'Get-MpComputerStatu[s]')", reason: 'Defender not active: the Defender cmdlets are not installed' },
        { when: "@(Get-Service -Name 'WinDefend*' | Where-Object { $_.Name -eq 'WinDefend' -and [string]$_.Status -eq 'Running' }).Count -eq 0", reason: 'Defender not active: the WinDefend service is not running (another antivirus, or Defender removed)' },
        { when: '-not (Get-MpComputerStatus).AntivirusEnabled', reason: 'Defender not active: Defender Antivirus is disabled (another antivirus is the active one)' },
      ),
      snapshot: psScript(READ_EXCLUSIONS, printJson(`[ordered]@{ present = (${present}) }`)),
      inject: psScript(ps`Add-MpPreference -ExclusionPath ${path}`),
      check: psCheck(READ_EXCLUSIONS, driftedWhen(present)),
      revert: (snapshot) => psScript(loadSnapshot(snapshot), ps`if (-not $snapshot.present) { Remove-MpPreference -ExclusionPath ${path} }`),
    };
  },
});

import { z } from 'zod';
import { psCheck, psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, notApplicableWhen, printJson } from './common.js';

const params = z.strictObject({
  profiles: z.array(z.enum(['Domain', 'Private', 'Public'])).min(1).default(['Domain', 'Private', 'Public']),
});

/**
 * All (or some) Windows Firewall profiles turned off. WinRM's own rules are untouched.
 *
 * Without -PolicyStore the NetSecurity cmdlets read and write the local
 * PersistentStore; what the firewall enforces is the ActiveStore, where Group
 * Policy wins. So the check reads the ActiveStore, and a profile whose state a
 * GPO sets (RSOP store: anything but NotConfigured) makes the fault not
 * applicable: the local change would not take, or the GPO would undo it.
 * The RSOP store is read whole and filtered here (no -Name, which errs on a
 * profile the store lacks), and never with -ErrorAction SilentlyContinue: a
 * store that cannot be read is "could not tell", not "applicable".
 *
 * The snapshot keeps the local value as Windows names it (True, False or
 * NotConfigured); revert also takes the older snapshots' booleans.
 */
export const firewallProfilesOff = defineFault({
  name: 'windows.firewall_profiles_off',
  platform: 'windows',
  summary: 'Turns Windows Firewall profiles off (Set-NetFirewallProfile -Enabled False)',
  params,
  resources: () => ['firewall'],
  footprint: () => ({}),
  build: ({ profiles }) => ({
    applicable: notApplicableWhen({
      when: ps`@(Get-NetFirewallProfile -PolicyStore RSOP | Where-Object { @(${profiles}) -contains $_.Name -and [string]$_.Enabled -ne 'NotConfigured' }).Count -gt 0`,
      reason: 'GPO-managed: Group Policy sets the firewall state of these profiles',
    }),
    snapshot: psScript(printJson(ps`@(Get-NetFirewallProfile -Name ${profiles} | ForEach-Object { [ordered]@{ name = $_.Name; enabled = [string]$_.Enabled } })`)),
    inject: psScript(ps`Set-NetFirewallProfile -Name ${profiles} -Enabled False`),
    check: psCheck(driftedWhen(ps`@(Get-NetFirewallProfile -PolicyStore ActiveStore -Name ${profiles} | Where-Object { [string]$_.Enabled -ne 'True' }).Count -gt 0`)),
    revert: (snapshot) =>
      psScript(
        loadSnapshot(snapshot),
        'foreach ($entry in @($snapshot)) {',
        "  $enabled = if ($entry.enabled -is [bool]) { if ($entry.enabled) { 'True' } else { 'False' } } else { [string]$entry.enabled }",
        '  Set-NetFirewallProfile -Name $entry.name -Enabled $enabled',
        '}',
      ),
  }),
});

import { z } from 'zod';
import { psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, printJson } from './common.js';

const params = z.strictObject({
  profiles: z.array(z.enum(['Domain', 'Private', 'Public'])).min(1).default(['Domain', 'Private', 'Public']),
});

/** All (or some) Windows Firewall profiles turned off. WinRM's own rules are untouched. */
export const firewallProfilesOff = defineFault({
  name: 'windows.firewall_profiles_off',
  platform: 'windows',
  summary: 'Turns Windows Firewall profiles off (Set-NetFirewallProfile -Enabled False)',
  params,
  resources: () => ['firewall'],
  footprint: () => ({}),
  build: ({ profiles }) => ({
    snapshot: psScript(printJson(ps`@(Get-NetFirewallProfile -Name ${profiles} | ForEach-Object { [ordered]@{ name = $_.Name; enabled = ($_.Enabled -eq 'True') } })`)),
    inject: psScript(ps`Set-NetFirewallProfile -Name ${profiles} -Enabled False`),
    check: psScript(driftedWhen(ps`@(Get-NetFirewallProfile -Name ${profiles} | Where-Object { $_.Enabled -ne 'True' }).Count -gt 0`)),
    revert: (snapshot) =>
      psScript(
        loadSnapshot(snapshot),
        "foreach ($entry in @($snapshot)) { Set-NetFirewallProfile -Name $entry.name -Enabled $(if ($entry.enabled) { 'True' } else { 'False' }) }",
      ),
  }),
});

import { z } from 'zod';
import { psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, printJson } from './common.js';

const params = z.strictObject({
  /** Interface alias; default: every connection profile that is not domain-authenticated. */
  interface_alias: z.string().min(1).optional(),
});

function profiles(alias: string | undefined): string {
  return alias === undefined
    ? "@(Get-NetConnectionProfile | Where-Object { $_.NetworkCategory -ne 'DomainAuthenticated' })"
    : ps`@(Get-NetConnectionProfile -InterfaceAlias ${alias})`;
}

/**
 * Network profile switched to Public. Note for the lab: Windows' default
 * "Windows Remote Management (HTTP-In)" rule for the Public profile only admits
 * the local subnet; the harness must reach WinRM from there (docs/windows.md).
 */
export const networkProfilePublic = defineFault({
  name: 'windows.network_profile_public',
  platform: 'windows',
  summary: 'Sets the network connection profile to Public',
  params,
  resources: () => ['network_profile'],
  footprint: () => ({}),
  build: ({ interface_alias }) => ({
    snapshot: psScript(printJson(`@(${profiles(interface_alias)} | ForEach-Object { [ordered]@{ alias = $_.InterfaceAlias; category = [string]$_.NetworkCategory } })`)),
    inject: psScript(`${profiles(interface_alias)} | ForEach-Object { Set-NetConnectionProfile -InterfaceAlias $_.InterfaceAlias -NetworkCategory Public }`),
    check: psScript(driftedWhen(`@(${profiles(interface_alias)} | Where-Object { $_.NetworkCategory -eq 'Public' }).Count -gt 0`)),
    revert: (snapshot) =>
      psScript(
        loadSnapshot(snapshot),
        "foreach ($entry in @($snapshot)) { if ($entry.category -ne 'DomainAuthenticated') { Set-NetConnectionProfile -InterfaceAlias $entry.alias -NetworkCategory $entry.category } }",
      ),
  }),
});

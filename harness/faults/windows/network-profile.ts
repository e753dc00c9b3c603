import { z } from 'zod';
import { psCheck, psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, notApplicableWhen, printJson } from './common.js';

const params = z.strictObject({
  /** Interface alias; default: every connection profile that is not domain-authenticated. */
  interface_alias: z.string().min(1).optional(),
});

function profiles(alias: string | undefined): string {
  return alias === undefined
    ? "@(Get-NetConnectionProfile | Where-Object { [string]$_.NetworkCategory -ne 'DomainAuthenticated' })"
    : ps`@(Get-NetConnectionProfile -InterfaceAlias ${alias})`;
}

/**
 * Windows sets DomainAuthenticated itself (it reached a DC); nobody can change
 * that category. A network that is Public already would read "drifted" before
 * anything was injected: not applicable either.
 */
function applicable(alias: string | undefined): string {
  const alreadyPublic = `@(${profiles(alias)} | Where-Object { [string]$_.NetworkCategory -eq 'Public' }).Count -gt 0`;
  return alias === undefined
    ? notApplicableWhen(
        {
          when: `${profiles(alias)}.Count -eq 0`,
          reason: 'every network is DomainAuthenticated, which Windows does not let anyone change: give the host a second, non-domain adapter (or name one in interface_alias)',
        },
        { when: alreadyPublic, reason: 'a non-domain network is Public already: the check could not tell the fault from the baseline (name a Private one in interface_alias)' },
      )
    : notApplicableWhen(
        {
          when: `@(${profiles(alias)} | Where-Object { [string]$_.NetworkCategory -eq 'DomainAuthenticated' }).Count -gt 0`,
          reason: `the network of ${alias} is DomainAuthenticated, which Windows does not let anyone change`,
        },
        { when: alreadyPublic, reason: `the network of ${alias} is Public already` },
      );
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
    applicable: applicable(interface_alias),
    snapshot: psScript(printJson(`@(${profiles(interface_alias)} | ForEach-Object { [ordered]@{ alias = $_.InterfaceAlias; category = [string]$_.NetworkCategory } })`)),
    inject: psScript(`${profiles(interface_alias)} | ForEach-Object { Set-NetConnectionProfile -InterfaceAlias $_.InterfaceAlias -NetworkCategory Public }`),
    check: psCheck(driftedWhen(`@(${profiles(interface_alias)} | Where-Object { $_.NetworkCategory -eq 'Public' }).Count -gt 0`)),
    revert: (snapshot) =>
      psScript(
        loadSnapshot(snapshot),
        "foreach ($entry in @($snapshot)) { if ($entry.category -ne 'DomainAuthenticated') { Set-NetConnectionProfile -InterfaceAlias $entry.alias -NetworkCategory $entry.category } }",
      ),
  }),
});

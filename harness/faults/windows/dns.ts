import { z } from 'zod';
import { psCheck, psNativeSucceeded, psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { documentationAddress, driftedWhen, loadSnapshot, notApplicableWhen, printJson } from './common.js';

const alias = z.string().min(1).optional();

const params = z
  .strictObject({
    /** The interface alias; default: the domain's interface (see DOMAIN_INTERFACE). */
    interface: alias,
    /** The former name of `interface`, still accepted. */
    interface_alias: alias,
    servers: z.array(documentationAddress).min(1).default(['192.0.2.53']),
  })
  .transform(({ interface: chosen, interface_alias, servers }, context) => {
    if (chosen !== undefined && interface_alias !== undefined && chosen !== interface_alias) {
      context.addIssue({ code: 'custom', path: ['interface_alias'], message: 'interface_alias is the former name of interface: give one of them' });
      return z.NEVER;
    }
    const name = chosen ?? interface_alias;
    return { ...(name !== undefined && { interface: name }), servers };
  });

/**
 * The interface that carries the domain: the one network Windows itself
 * authenticated to a domain controller (NetworkCategory DomainAuthenticated:
 * NLA reached a DC through it), else the only connected adapter. Never the
 * route metric alone: a DC with a NAT NIC holds its default route there while
 * its domain (and its own DNS) lives on the other NIC (issue #23). A host where
 * neither rule picks one interface gets `$why` instead, and the scenario names
 * `interface`. A connection-specific DNS suffix is not used: a NAT network's
 * DHCP hands out suffixes too.
 */
const DOMAIN_INTERFACE = [
  '$alias = $null',
  '$why = $null',
  "$domainNics = @(Get-NetConnectionProfile | Where-Object { [string]$_.NetworkCategory -eq 'DomainAuthenticated' } | ForEach-Object { [string]$_.InterfaceAlias } | Sort-Object -Unique)",
  'if ($domainNics.Count -eq 1) { $alias = $domainNics[0] }',
  "elseif ($domainNics.Count -gt 1) { $why = 'several interfaces are on the domain network (' + ($domainNics -join ', ') + '): set interface in the scenario' }",
  'else {',
  "  $up = @(Get-NetAdapter | Where-Object { [string]$_.Status -eq 'Up' } | ForEach-Object { [string]$_.Name })",
  '  if ($up.Count -eq 1) { $alias = $up[0] }',
  "  else { $why = 'no DomainAuthenticated network and ' + $up.Count + ' connected adapters: set interface in the scenario' }",
  '}',
].join('\n');

/** Sets `$alias`, or throws why it cannot (a check then exits 2: it could not tell). */
function resolveAlias(name: string | undefined): string {
  return name === undefined ? `${DOMAIN_INTERFACE}\nif ($null -eq $alias) { throw $why }` : ps`$alias = ${name}`;
}

function applicable(name: string | undefined): string {
  return name === undefined
    ? notApplicableWhen({ when: `$(${DOMAIN_INTERFACE}\n$null -eq $alias)`, reason: 'no single domain interface to hijack the DNS of: set interface in the scenario' })
    : notApplicableWhen({ when: ps`@(Get-NetAdapter | Where-Object { $_.Name -eq ${name} }).Count -eq 0`, reason: `no network adapter named ${name}` });
}

/** The interface's IPv4 DNS servers, as the DNS client uses them (static, else from DHCP). */
const IPV4_SERVERS = '@((Get-DnsClientServerAddress -InterfaceAlias $alias -AddressFamily IPv4).ServerAddresses)';

/**
 * The IPv4 DNS client servers of the domain's interface replaced by
 * documentation addresses (RFC 5737): configuration only, nothing is ever
 * queried by chaoslab. Only IPv4 is touched, both ways: a DC's IPv6 `::1`
 * (and whether each family is static or from DHCP) stays as it was.
 *
 * Revert without the registry: Windows has no cmdlet that says whether a
 * family's servers are static or from DHCP (NetworkingDsc issue #211), and
 * `Set-DnsClientServerAddress -ResetServerAddresses` resets IPv6 too. So an
 * interface whose IPv4 address is from DHCP first gets its IPv4 DNS back from
 * DHCP (`netsh interface ipv4 set dnsservers source=dhcp`, IPv4 only), and if
 * those are not the servers the snapshot saw, they were static: they are set
 * again. An interface with a static address had static servers: set again.
 */
export const dnsClientHijack = defineFault({
  name: 'windows.dns_client_hijack',
  platform: 'windows',
  summary: "Replaces the IPv4 DNS client servers of the domain's interface with documentation addresses (192.0.2.53)",
  params,
  resources: () => ['dns_client'],
  footprint: () => ({}),
  build: ({ interface: name, servers }) => ({
    applicable: applicable(name),
    snapshot: psScript(resolveAlias(name), printJson(`[ordered]@{ alias = $alias; servers = ${IPV4_SERVERS} }`)),
    inject: psScript(resolveAlias(name), ps`Set-DnsClientServerAddress -InterfaceAlias $alias -ServerAddresses ${servers}`),
    check: psCheck(resolveAlias(name), ps`$hijack = @(${servers})`, driftedWhen(`@(${IPV4_SERVERS} | Where-Object { $hijack -contains $_ }).Count -gt 0`)),
    revert: (snapshot) =>
      psScript(
        loadSnapshot(snapshot),
        '$alias = [string]$snapshot.alias',
        '$servers = @($snapshot.servers)',
        '$ip = Get-NetIPInterface -InterfaceAlias $alias -AddressFamily IPv4',
        "if ([string]$ip.Dhcp -eq 'Enabled') {",
        '  & netsh.exe interface ipv4 set dnsservers "name=$($ip.InterfaceIndex)" source=dhcp | Out-Null',
        `  ${psNativeSucceeded('netsh interface ipv4 set dnsservers')}`,
        '}',
        `if ($servers.Count -gt 0 -and (${IPV4_SERVERS} -join ',') -ne ($servers -join ',')) {`,
        '  Set-DnsClientServerAddress -InterfaceAlias $alias -ServerAddresses $servers',
        '}',
      ),
  }),
});

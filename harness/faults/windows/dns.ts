import { z } from 'zod';
import { psCheck, psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { documentationAddress, driftedWhen, loadSnapshot, notApplicableWhen, printJson } from './common.js';

const params = z.strictObject({
  /** Interface alias; default: the interface of the IPv4 default route with the lowest metric. */
  interface_alias: z.string().min(1).optional(),
  servers: z.array(documentationAddress).min(1).default(['192.0.2.53']),
});

/** The default route's interface; an isolated lab may have none (preflight says so before anything runs). */
const DEFAULT_ROUTE = "@(Get-NetRoute -DestinationPrefix '0.0.0.0/0' -ErrorAction SilentlyContinue | Sort-Object -Property RouteMetric)";

function resolveAlias(alias: string | undefined): string {
  return alias === undefined
    ? [`$route = ${DEFAULT_ROUTE} | Select-Object -First 1`, "if ($null -eq $route) { throw 'no IPv4 default route: set interface_alias' }", '$alias = $route.InterfaceAlias'].join('\n')
    : ps`$alias = ${alias}`;
}

function applicable(alias: string | undefined): string {
  return alias === undefined
    ? notApplicableWhen({ when: `${DEFAULT_ROUTE}.Count -eq 0`, reason: 'no IPv4 default route to pick the interface from (an isolated lab): set interface_alias in the scenario' })
    : notApplicableWhen({ when: ps`$null -eq (Get-NetAdapter -InterfaceAlias ${alias} -ErrorAction SilentlyContinue)`, reason: `no network adapter named ${alias}` });
}

/**
 * The interface's DNS client servers replaced by documentation addresses
 * (RFC 5737): configuration only, nothing is ever queried by chaoslab. The
 * snapshot keeps whether the servers were static or from DHCP, so revert
 * restores exactly that.
 */
export const dnsClientHijack = defineFault({
  name: 'windows.dns_client_hijack',
  platform: 'windows',
  summary: 'Replaces the DNS client server addresses of an interface with documentation addresses (192.0.2.53)',
  params,
  resources: () => ['dns_client'],
  footprint: () => ({}),
  build: ({ interface_alias, servers }) => ({
    applicable: applicable(interface_alias),
    snapshot: psScript(
      resolveAlias(interface_alias),
      '$guid = (Get-NetAdapter -InterfaceAlias $alias).InterfaceGuid',
      "$static = [string](Get-ItemProperty -LiteralPath \"HKLM:\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\$guid\" -Name NameServer -ErrorAction SilentlyContinue).NameServer",
      printJson('[ordered]@{ alias = $alias; static = ($static.Trim() -ne \'\'); servers = @((Get-DnsClientServerAddress -InterfaceAlias $alias -AddressFamily IPv4).ServerAddresses) }'),
    ),
    inject: psScript(resolveAlias(interface_alias), ps`Set-DnsClientServerAddress -InterfaceAlias $alias -ServerAddresses ${servers}`),
    check: psCheck(
      resolveAlias(interface_alias),
      ps`$hijack = @(${servers})`,
      driftedWhen('@((Get-DnsClientServerAddress -InterfaceAlias $alias -AddressFamily IPv4).ServerAddresses | Where-Object { $hijack -contains $_ }).Count -gt 0'),
    ),
    revert: (snapshot) =>
      psScript(
        loadSnapshot(snapshot),
        'if ($snapshot.static) {',
        '  Set-DnsClientServerAddress -InterfaceAlias $snapshot.alias -ServerAddresses @($snapshot.servers)',
        '} else {',
        '  Set-DnsClientServerAddress -InterfaceAlias $snapshot.alias -ResetServerAddresses',
        '}',
      ),
  }),
});

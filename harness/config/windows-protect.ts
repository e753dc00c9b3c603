import { GUEST_ACCOUNT } from '../faults/windows/guest-account.js';
import type { ProtectSpec } from './fields.js';
import type { HostConfig } from './lab-schema.js';

/** Windows' stock firewall rules that let the harness in (WinRM over HTTP/HTTPS, OpenSSH). */
export const MANAGEMENT_FIREWALL_RULES = ['WINRM-HTTP-In-TCP', 'WINRM-HTTP-In-TCP-PUBLIC', 'WINRM-HTTPS-In-TCP', 'OpenSSH-Server-In-TCP'] as const;

/** Registry keys whose change can cut the harness off (listener config, service definitions). */
const MANAGEMENT_REGISTRY = [
  'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WSMAN',
  'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM',
  'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\WinRM',
  'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\HTTP',
  'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\sshd',
  'C:\\ProgramData\\ssh',
];

/**
 * Services whose loss cuts the harness off on every Windows host: WinRM and
 * HTTP.sys (the listener), sshd, and Netlogon — without it a domain member
 * cannot verify domain logons, so chaoslab's own domain account is locked out.
 */
export const MANAGEMENT_SERVICES = ['WinRM', 'HTTP', 'sshd', 'Netlogon'] as const;

/**
 * On a domain controller the directory itself is the management plane: NTDS
 * (AD DS), Kdc (Kerberos tickets, chaoslab's auth: kerberos login), DNS (DCs
 * are located through it) and W32Time (Kerberos refuses clocks more than 5
 * minutes apart).
 */
export const DOMAIN_CONTROLLER_SERVICES = ['NTDS', 'Kdc', 'DNS', 'W32Time'] as const;

/**
 * Protected services a host may rightly keep stopped: Netlogon on a workgroup
 * machine (its start type is Manual there, and it runs only once joined).
 * When the harness logs in with a local account (no DOMAIN\ or @domain) it does
 * not need Netlogon, so `doctor` does not fail a stopped one; no fault may stop
 * it all the same.
 */
export function mayBeStopped(host: HostConfig, service: string): boolean {
  if (service.toLowerCase() !== 'netlogon' || isDomainController(host) || host.transport.kind === 'docker-exec') return false;
  const user = host.transport.user;
  return !user.includes('@') && (!user.includes('\\') || user.startsWith('.\\'));
}

/** Inventory roles that mark a domain controller. */
export const DOMAIN_CONTROLLER_ROLES = ['dc', 'domain-controller', 'domain_controller'] as const;

export function isDomainController(host: Pick<HostConfig, 'roles'>): boolean {
  return host.roles.some((role) => (DOMAIN_CONTROLLER_ROLES as readonly string[]).includes(role.toLowerCase()));
}

/** `DOMAIN\user` and `user@domain` name the same account as `user` on the host. */
function accountNames(account: string): string[] {
  const bare = account.includes('\\') ? account.slice(account.indexOf('\\') + 1) : account.includes('@') ? account.slice(0, account.lastIndexOf('@')) : account;
  return [...new Set([account, bare])];
}

/**
 * The management plane of a Windows host that no fault may touch, whatever the
 * inventory's `protect` says: the WinRM service and its listener ports and
 * firewall rules, OpenSSH (sshd and its port), the HTTP.sys driver WinRM sits
 * on, Netlogon, and the account the harness logs in with. On a domain
 * controller (a role in DOMAIN_CONTROLLER_ROLES) also the directory services,
 * and the built-in Guest, which is the domain's Guest there. The validator
 * merges this with the host's and the lab's `protect`.
 */
export function defaultWindowsProtect(host: HostConfig): ProtectSpec {
  const transport = host.transport;
  const ports = new Set<number>([5985, 5986]);
  const accounts: string[] = [];
  if (transport.kind === 'winrm') {
    ports.add(transport.port ?? (transport.scheme === 'https' ? 5986 : 5985));
    accounts.push(...accountNames(transport.user));
  } else if (transport.kind === 'ssh') {
    ports.add(transport.port);
    accounts.push(...accountNames(transport.user));
  }
  if (isDomainController(host)) accounts.push(GUEST_ACCOUNT);
  return {
    ports: [...ports, 22].filter((port, index, all) => all.indexOf(port) === index),
    services: [...MANAGEMENT_SERVICES, ...(isDomainController(host) ? DOMAIN_CONTROLLER_SERVICES : [])],
    accounts,
    paths: [...MANAGEMENT_REGISTRY, ...MANAGEMENT_FIREWALL_RULES.map((rule) => `firewall-rule:${rule}`)],
  };
}

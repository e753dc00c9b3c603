import type { FaultFootprint } from '../faults/fault.js';
import type { ProtectSpec } from './fields.js';
import type { StepsSpec } from './scenario-schema.js';

/** One protected thing a fault would touch, e.g. `port 22` or `service WinRM`. */
export interface Touch {
  readonly what: string;
}

function normaliseService(name: string): string {
  return name.toLowerCase().replace(/\.service$/, '');
}

function pathsOverlap(a: string, b: string): boolean {
  const trim = (p: string) => p.replace(/[/\\]+$/, '').toLowerCase();
  const [x, y] = [trim(a), trim(b)];
  return x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`) || x.startsWith(`${y}\\`) || y.startsWith(`${x}\\`);
}

/** Exact comparison of a built-in fault's declared footprint against the management plane. */
export function footprintTouches(footprint: FaultFootprint, protect: ProtectSpec): Touch[] {
  const out: Touch[] = [];
  for (const port of footprint.ports ?? []) if (protect.ports.includes(port)) out.push({ what: `port ${port}` });
  for (const service of footprint.services ?? []) {
    if (protect.services.some((p) => normaliseService(p) === normaliseService(service))) out.push({ what: `service ${service}` });
  }
  for (const account of footprint.accounts ?? []) {
    if (protect.accounts.some((p) => p.toLowerCase() === account.toLowerCase())) out.push({ what: `account ${account}` });
  }
  for (const path of footprint.paths ?? []) {
    const hit = protect.paths.find((p) => pathsOverlap(p, path));
    if (hit) out.push({ what: `path ${hit}` });
  }
  return out;
}

const SERVICE_VERBS = /\b(stop|disable|mask|kill|pkill|killall|Stop-Service|Suspend-Service|Remove-Service|StartupType\s+Disabled|uninstall|purge|remove)\b/i;
const FIREWALL_TOOLS = /\b(iptables|ip6tables|nft|ufw|firewall-cmd|netsh|New-NetFirewallRule|Set-NetFirewallRule|Disable-NetFirewallRule|Remove-NetFirewallRule)\b/i;
const CLOSES_EVERYTHING = /(-P\s+INPUT\s+(DROP|REJECT)|policy\s+drop|ufw\s+default\s+deny|DefaultInboundAction\s+Block)/i;
const ACCOUNT_VERBS = /\b(userdel|usermod|deluser|passwd|chage|chsh|Disable-LocalUser|Remove-LocalUser|Set-LocalUser|net\s+user)\b/i;
const WRITE_VERBS = /(\b(rm|mv|cp|chmod|chown|chattr|truncate|tee|sed\s+-i|Set-Content|Add-Content|Remove-Item|Move-Item|Set-Acl|icacls)\b|>)/i;

/**
 * Other names one service goes by in commands: Debian's `ssh` unit runs `sshd`,
 * Windows' OpenSSH service is `sshd`, WinRM's firewall rules are grouped as
 * "Windows Remote Management".
 */
const SERVICE_ALIASES: Record<string, readonly string[]> = {
  ssh: ['sshd', 'openssh-server'],
  sshd: ['ssh', 'openssh-server'],
  winrm: ['Windows Remote Management', 'WINRM-HTTP-In-TCP', 'WINRM-HTTPS-In-TCP'],
};

function serviceNames(service: string): string[] {
  const name = normaliseService(service);
  return [name, ...(SERVICE_ALIASES[name] ?? [])];
}

function wordPattern(word: string): RegExp {
  return new RegExp(`(^|[^\\w.-])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w-])`, 'i');
}

/** A command split into the simple commands the shell runs one after another. */
function segments(command: string): string[] {
  return command.split(/;|&&|\|\||\||\n/).map((part) => part.trim()).filter(Boolean);
}

/**
 * A heuristic for explicit `steps`, whose effects cannot be known: a protected service
 * named next to a verb that stops it, a protected port in a firewall command (or a
 * default-drop input policy, which closes every port), a protected account next to a
 * command that changes accounts, a protected path next to a command that writes.
 * Restarting or reloading a service is not flagged: it comes back.
 */
export function commandTouches(steps: StepsSpec, protect: ProtectSpec): Touch[] {
  const found = new Map<string, Touch>();
  const note = (what: string) => found.set(what, { what });
  for (const command of [steps.inject, steps.revert]) {
    for (const segment of segments(command)) {
      for (const service of protect.services) {
        const named = serviceNames(service).some((name) => wordPattern(name).test(segment));
        // A firewall command naming the service closes its rules, e.g. WinRM's inbound rule group.
        if (named && (SERVICE_VERBS.test(segment) || FIREWALL_TOOLS.test(segment))) note(`service ${service}`);
      }
      if (FIREWALL_TOOLS.test(segment)) {
        if (CLOSES_EVERYTHING.test(segment)) for (const port of protect.ports) note(`port ${port}`);
        for (const port of protect.ports) if (new RegExp(`(^|\\D)${port}(\\D|$)`).test(segment)) note(`port ${port}`);
      }
      for (const account of protect.accounts) if (ACCOUNT_VERBS.test(segment) && wordPattern(account).test(segment)) note(`account ${account}`);
      for (const path of protect.paths) if (WRITE_VERBS.test(segment) && segment.toLowerCase().includes(path.toLowerCase())) note(`path ${path}`);
    }
  }
  return [...found.values()];
}

/** The host's own management plane plus the lab-wide one. */
export function mergeProtect(a: ProtectSpec, b: ProtectSpec): ProtectSpec {
  const union = <T>(x: readonly T[], y: readonly T[]) => [...new Set([...x, ...y])];
  return { ports: union(a.ports, b.ports), services: union(a.services, b.services), accounts: union(a.accounts, b.accounts), paths: union(a.paths, b.paths) };
}

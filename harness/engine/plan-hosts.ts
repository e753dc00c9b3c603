import type { Platform } from '../config/fields.js';
import type { HostConfig, LabConfig } from '../config/lab-schema.js';
import type { PlanSkipReason } from './plan-types.js';

/** A target names a host or one of its roles. */
export function hostMatchesTarget(host: HostConfig, target: string): boolean {
  return host.name === target || host.roles.includes(target);
}

export type HostMatch =
  | { readonly hosts: readonly HostConfig[] }
  | { readonly skip: { readonly reason: PlanSkipReason; readonly detail: string } };

/**
 * Hosts of the right platform that match every target (a bundle's members must all
 * land on one host). A lab without any host of the platform is not an error: the
 * attempt is skipped as `platform_unavailable` (a Windows scenario on a Linux lab).
 */
export function matchHosts(lab: LabConfig, platform: Platform, targets: readonly string[]): HostMatch {
  const ofPlatform = lab.hosts.filter((host) => host.platform === platform);
  if (ofPlatform.length === 0) {
    return { skip: { reason: 'platform_unavailable', detail: `lab ${lab.name} has no ${platform} host` } };
  }
  const hosts = ofPlatform.filter((host) => targets.every((target) => hostMatchesTarget(host, target)));
  if (hosts.length === 0) {
    const roles = [...new Set(ofPlatform.flatMap((host) => host.roles))].sort();
    return {
      skip: {
        reason: 'no_matching_host',
        detail: `no ${platform} host of lab ${lab.name} is named or has the role ${targets.map((t) => `"${t}"`).join(' and ')} (roles: ${roles.join(', ') || 'none'})`,
      },
    };
  }
  return { hosts };
}

/**
 * `--host`: keeps the matching hosts that were named. A drift that fits none of
 * them is `filtered` (left out on purpose), not a lab problem.
 */
export function onlyNamedHosts(match: HostMatch, named: readonly string[] | undefined): HostMatch {
  if (!named?.length || 'skip' in match) return match;
  const hosts = match.hosts.filter((host) => named.includes(host.name));
  if (hosts.length) return { hosts };
  const fits = match.hosts.map((host) => host.name).join(', ');
  return { skip: { reason: 'filtered', detail: `runs on ${fits}, not on --host ${named.join(', ')}` } };
}

/** `--host` names hosts of the lab: an unknown one is a usage error that lists the lab's hosts. */
export function unknownHosts(lab: LabConfig, named: readonly string[]): string[] {
  return named.filter((name) => !lab.hosts.some((host) => host.name === name));
}

/**
 * Picks the host for a role-targeted attempt: the matching host with the fewest
 * attempts so far, ties broken by inventory order — deterministic for a given
 * plan, and it spreads a suite over the lab so the scheduler can run hosts in parallel.
 */
export class HostPicker {
  private readonly load = new Map<string, number>();

  pick(candidates: readonly HostConfig[], allHosts: boolean): readonly HostConfig[] {
    if (allHosts) {
      for (const host of candidates) this.count(host);
      return candidates;
    }
    let best = candidates[0]!;
    for (const host of candidates) if (this.loadOf(host) < this.loadOf(best)) best = host;
    this.count(best);
    return [best];
  }

  private loadOf(host: HostConfig): number {
    return this.load.get(host.name) ?? 0;
  }

  private count(host: HostConfig): void {
    this.load.set(host.name, this.loadOf(host) + 1);
  }
}

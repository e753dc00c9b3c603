import type { HostMatch } from '../config/host-match.js';
import type { HostConfig, LabConfig } from '../config/lab-schema.js';

/**
 * `--host`: keeps the matching hosts that were named. A drift that fits none of
 * them is `filtered` (left out on purpose), not a lab problem.
 */
export function onlyNamedHosts(match: HostMatch, named: readonly string[] | undefined): HostMatch | { readonly skip: { readonly reason: 'filtered'; readonly detail: string } } {
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

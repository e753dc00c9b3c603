import type { HostConfig } from '../config/lab-schema.js';

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

import type { Platform } from '../core/platform.js';
import type { HostConfig, LabConfig } from './lab-schema.js';

/** A target names a host or one of its roles. */
export function hostMatchesTarget(host: HostConfig, target: string): boolean {
  return host.name === target || host.roles.includes(target);
}

export type HostMatch =
  | { readonly hosts: readonly HostConfig[] }
  | { readonly skip: { readonly reason: 'platform_unavailable' | 'no_matching_host'; readonly detail: string } };

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

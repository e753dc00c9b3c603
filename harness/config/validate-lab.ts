import { formatDuration } from '../core/duration.js';
import type { ConfigIssue } from '../core/errors.js';
import { hostMatchesTarget, matchHosts } from './host-match.js';
import { defaultWindowsProtect } from './windows-protect.js';
import type { Catalogue, CatalogueBundle, CatalogueScenario, SourceDocument } from './catalogue.js';
import type { ProtectSpec } from './fields.js';
import { isControllerAddress } from './controller.js';
import { CONTAINER_HEALERS, healerOf, needsAddress, type HostConfig, type LabConfig } from './lab-schema.js';
import { appendIssues, issueAt } from './load-issues.js';
import { commandTouches, footprintTouches, mergeProtect } from './validate-safety.js';

/** Marks issues that refuse a fault for touching the management plane (CHAOSLAB_UNSAFE_FAULT). */
export const UNSAFE_PREFIX = 'unsafe fault:';

/**
 * A host that is the machine chaoslab runs on would get its faults injected into the
 * controller itself (as root, on port 22 by default). Only an explicit
 * `allow_controller: true` — a test sshd, a port a container publishes on loopback — allows it.
 */
function checkController(lab: LabConfig, source: SourceDocument): ConfigIssue[] {
  if (lab.provider !== 'static') return [];
  return lab.hosts.flatMap((host, index) => {
    if (host.allow_controller || !needsAddress(host) || host.address === undefined || !isControllerAddress(host.address)) return [];
    const message = `${host.address} is the machine chaoslab runs on: host ${host.name}'s faults would be injected into the controller itself. Give the lab machine's address, or set \`allow_controller: true\` on this host if it really is meant to be reached here (a test sshd, a port a container publishes)`;
    return [issueAt(source, ['hosts', index, 'address'], message)];
  });
}

/** Checks inside one inventory that its schema cannot express: unique host and observer names, no implicit controller. */
export function checkLab(lab: LabConfig, source: SourceDocument): ConfigIssue[] {
  const issues: ConfigIssue[] = [...checkController(lab, source)];
  const firstHost = new Map<string, number>();
  lab.hosts.forEach((host, index) => {
    const earlier = firstHost.get(host.name);
    if (earlier === undefined) firstHost.set(host.name, index);
    else issues.push(issueAt(source, ['hosts', index, 'name'], `duplicate host name "${host.name}" (first at line ${source.locate(['hosts', earlier, 'name']).line})`));
  });
  if (lab.provider === 'container') {
    const known: readonly string[] = CONTAINER_HEALERS;
    if (lab.healer !== undefined && !known.includes(lab.healer)) issues.push(issueAt(source, ['healer'], `the lab host image carries no healer "${lab.healer}" (one of ${known.join(', ')})`));
    lab.hosts.forEach((host, index) => {
      if (host.healer !== undefined && !known.includes(host.healer)) issues.push(issueAt(source, ['hosts', index, 'healer'], `the lab host image carries no healer "${host.healer}" (one of ${known.join(', ')})`));
    });
  }
  const profiles = new Set(lab.hosts.map((host) => healerOf(lab, host)));
  for (const profile of Object.keys(lab.expectations)) {
    if (!profiles.has(profile)) issues.push(issueAt(source, ['expectations', profile], `no host of this lab runs healer "${profile}" (hosts run: ${[...profiles].filter(Boolean).join(', ') || 'none named'})`));
  }
  const firstObserver = new Map<string, number>();
  lab.observers.forEach((observer, index) => {
    const earlier = firstObserver.get(observer.name);
    if (earlier === undefined) firstObserver.set(observer.name, index);
    else issues.push(issueAt(source, ['observers', index, 'name'], `duplicate observer name "${observer.name}" (first at line ${source.locate(['observers', earlier, 'name']).line})`));
    if ((observer.kind === 'log' || observer.kind === 'report-file') && observer.host !== '$target' && !firstHost.has(observer.host)) {
      issues.push(issueAt(source, ['observers', index, 'host'], `"${observer.host}" is not a host of this lab (use a host name, or $target for the attempt's host)`));
    }
  });
  return issues;
}

/**
 * The transport is part of the management plane even when `protect` does not say so;
 * on Windows that is the whole remote-management stack (WinRM, HTTP.sys, OpenSSH,
 * their firewall rules and registry keys), as the Windows fault library defines it.
 */
function transportPlane(host: HostConfig): ProtectSpec {
  if (host.platform === 'windows') return defaultWindowsProtect(host);
  const t = host.transport;
  if (t.kind === 'ssh') return { ports: [t.port], services: [], accounts: [t.user], paths: [] };
  if (t.kind === 'winrm') return { ports: [t.port ?? (t.scheme === 'https' ? 5986 : 5985)], services: ['WinRM'], accounts: [t.user], paths: [] };
  return { ports: [], services: [], accounts: t.user ? [t.user] : [], paths: [] };
}

export function protectedPlane(lab: LabConfig, host: HostConfig): ProtectSpec {
  return mergeProtect(mergeProtect(host.protect, lab.protect), transportPlane(host));
}

function describeTargets(lab: LabConfig, platform: string): string {
  const hosts = lab.hosts.filter((host) => host.platform === platform);
  const roles = [...new Set(hosts.flatMap((host) => host.roles))].sort();
  return `known ${platform} roles: ${roles.join(', ') || 'none'}; hosts: ${hosts.map((host) => host.name).join(', ')}`;
}

function checkTarget(scenario: CatalogueScenario, lab: LabConfig): ConfigIssue[] {
  const { platform, target } = scenario.config;
  const match = matchHosts(lab, platform, [target]);
  if (!('skip' in match) || match.skip.reason === 'platform_unavailable') return [];
  const elsewhere = lab.hosts.filter((host) => hostMatchesTarget(host, target)).map((host) => `${host.name} is ${host.platform}`);
  const hint = elsewhere.length > 0 ? `; ${elsewhere.join(', ')}` : '';
  return [issueAt(scenario.source, ['target'], `"${target}" matches no ${platform} host of lab ${lab.name} by name or role (${describeTargets(lab, platform)}${hint})`)];
}

function checkBundleTarget(bundle: CatalogueBundle, members: readonly CatalogueScenario[], lab: LabConfig): ConfigIssue[] {
  const platform = members[0]?.config.platform;
  if (!platform) return [];
  const targets = bundle.config.target ? [bundle.config.target] : [...new Set(members.map((member) => member.config.target))];
  const match = matchHosts(lab, platform, targets);
  if (!('skip' in match) || match.skip.reason === 'platform_unavailable') return [];
  const where = bundle.config.target ? ['target'] : ['members'];
  return [issueAt(bundle.source, where, `no single ${platform} host of lab ${lab.name} matches ${targets.map((t) => `"${t}"`).join(' and ')}; a bundle's members are injected together on one host (${describeTargets(lab, platform)})`)];
}

function checkSafety(scenario: CatalogueScenario, hosts: readonly HostConfig[], lab: LabConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const host of hosts) {
    const plane = protectedPlane(lab, host);
    if (scenario.fault) {
      const touches = footprintTouches(scenario.fault.definition.footprint(scenario.fault.params), plane);
      if (touches.length > 0) {
        issues.push(issueAt(scenario.source, ['fault', 'use'], `${UNSAFE_PREFIX} ${scenario.fault.definition.name} touches the management plane of host ${host.name}: ${touches.map((t) => t.what).join(', ')} (protected; refusing to inject)`));
      }
    } else if (scenario.config.steps) {
      const touches = commandTouches(scenario.config.steps, plane);
      if (touches.length > 0) {
        issues.push(issueAt(scenario.source, ['steps', 'inject'], `${UNSAFE_PREFIX} the steps appear to touch the management plane of host ${host.name}: ${touches.map((t) => t.what).join(', ')} (protected; found by a heuristic scan of the inject/revert commands — refusing to inject)`));
      }
    }
  }
  return issues;
}

/**
 * Checks the catalogue against the lab it will run on: every target names a host
 * or role (a platform the lab lacks is skipped at plan time, not an error), bundles
 * fit on one host, and no fault touches a protected port, service, account or path
 * of any host it could land on.
 */
export function crossCheckLab(catalogue: Catalogue, lab: LabConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const byId = new Map(catalogue.scenarios.map((entry) => [entry.config.id, entry]));
  for (const scenario of catalogue.scenarios) {
    appendIssues(issues, checkTarget(scenario, lab));
    const match = matchHosts(lab, scenario.config.platform, [scenario.config.target]);
    if (!('skip' in match)) appendIssues(issues, checkSafety(scenario, match.hosts, lab));
  }
  for (const bundle of catalogue.bundles) {
    const members = bundle.config.members.map((id) => byId.get(id)).filter((member): member is CatalogueScenario => member !== undefined);
    appendIssues(issues, checkBundleTarget(bundle, members, lab));
    if (bundle.config.target) {
      const match = matchHosts(lab, members[0]?.config.platform ?? 'linux', [bundle.config.target]);
      if (!('skip' in match)) for (const member of members) appendIssues(issues, checkSafety(member, match.hosts, lab));
    }
  }
  return issues;
}

/**
 * Not errors, but likely wrong: a window shorter than the healer's scan interval
 * ends before the healer has even looked (the reference lab's "failed" heals that
 * landed just after the window).
 */
export function labWarnings(catalogue: Catalogue, lab: LabConfig): ConfigIssue[] {
  const interval = lab.healer_scan_interval;
  if (interval === undefined) return [];
  return catalogue.scenarios
    .filter((scenario) => scenario.config.window < interval && lab.hosts.some((host) => host.platform === scenario.config.platform))
    .map((scenario) =>
      issueAt(scenario.source, ['window'], `${formatDuration(scenario.config.window)} is shorter than lab ${lab.name}'s healer_scan_interval (${formatDuration(interval)}): the healer may not scan before the window ends`),
    );
}

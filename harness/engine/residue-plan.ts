import type { Catalogue, CatalogueScenario } from '../config/catalogue.js';
import type { HostConfig, LabConfig } from '../config/lab-schema.js';
import { faultCommands } from './commands.js';
import { hostMatchesTarget } from '../config/host-match.js';

/** One ground-truth check the residue scan runs on one host: the scenario's `check`, rendered for that host's shell. */
export interface ResidueCheckSpec {
  readonly scenarioId: string;
  readonly checkType: string;
  readonly command: string;
  /** The scenario's step timeout: the same limit its check has inside an attempt. */
  readonly timeoutMs: number;
}

/** Per inventory host, in inventory order: the checks of every catalogue scenario that fits it. */
export type ResidueScanPlan = ReadonlyMap<string, readonly ResidueCheckSpec[]>;

/** Scenario id → the targets of bundles that override their members' target (a member can land on those hosts too). */
function bundleTargets(catalogue: Catalogue): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  for (const bundle of catalogue.bundles) {
    const target = bundle.config.target;
    if (target === undefined) continue;
    for (const id of bundle.config.members) targets.set(id, [...(targets.get(id) ?? []), target]);
  }
  return targets;
}

function fits(scenario: CatalogueScenario, host: HostConfig, extraTargets: readonly string[]): boolean {
  if (scenario.config.platform !== host.platform) return false;
  return [scenario.config.target, ...extraTargets].some((target) => hostMatchesTarget(host, target));
}

/**
 * Which checks the residue scan would run where. Planned with the run, before
 * anything is injected, from the whole catalogue: scenarios the run does not
 * include are checked too, so drift left by other campaigns or tools is found.
 */
export function planResidueScan(catalogue: Catalogue, lab: LabConfig): ResidueScanPlan {
  const extra = bundleTargets(catalogue);
  return new Map(
    lab.hosts.map((host) => [
      host.name,
      catalogue.scenarios
        .filter((scenario) => fits(scenario, host, extra.get(scenario.config.id) ?? []))
        .map((scenario) => ({ scenarioId: scenario.config.id, checkType: scenario.config.check_type, command: faultCommands(scenario, host).check, timeoutMs: scenario.config.timeout })),
    ]),
  );
}

import type { FaultDefinition } from './fault.js';
import { linuxFaults } from './linux/index.js';
import { windowsFaults } from './windows/index.js';

/** Built-in faults by name (`linux.sshd_option`, `windows.firewall_profiles_off`, …), built once from the two libraries. */
const faults: ReadonlyMap<string, FaultDefinition> = byName([...linuxFaults, ...windowsFaults]);

function byName(definitions: readonly FaultDefinition[]): Map<string, FaultDefinition> {
  const map = new Map<string, FaultDefinition>();
  for (const definition of definitions) {
    if (map.has(definition.name)) throw new Error(`two built-in faults are named ${definition.name}`);
    map.set(definition.name, definition);
  }
  return map;
}

export function getFault(name: string): FaultDefinition | undefined {
  return faults.get(name);
}

export function listFaults(): readonly FaultDefinition[] {
  return [...faults.values()].sort((a, b) => a.name.localeCompare(b.name));
}

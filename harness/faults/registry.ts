import type { FaultDefinition } from './fault.js';

/** Built-in faults by name (`linux.sshd_option`, `windows.firewall_profiles_off`, …). */
const faults = new Map<string, FaultDefinition>();

export function registerFaults(definitions: readonly FaultDefinition[]): void {
  for (const definition of definitions) {
    if (faults.has(definition.name)) throw new Error(`fault ${definition.name} registered twice`);
    faults.set(definition.name, definition);
  }
}

export function getFault(name: string): FaultDefinition | undefined {
  return faults.get(name);
}

export function listFaults(): readonly FaultDefinition[] {
  return [...faults.values()].sort((a, b) => a.name.localeCompare(b.name));
}

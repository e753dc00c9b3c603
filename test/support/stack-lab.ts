import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestLab, type TestLab } from './lab-cluster.js';

/**
 * One host that plays every role, so a few scenarios of the catalogue run side
 * by side on it. (The catalogue's bundles name their hosts, so the tests pass
 * `scenarios/linux` as the catalogue.)
 */
export function oneHostAllRoles(hosts: Record<string, unknown>[]): Record<string, unknown>[] {
  return [{ ...hosts[0], roles: ['linux', 'web', 'db', 'app'] }];
}

/** A one-host copy of a shipped stack inventory (lab/cfengine.yaml, lab/puppet.yaml), brought up under its own name. */
export function startStackLab(name: string, dir: string, inventory: string): Promise<TestLab> {
  return startTestLab(name, dir, 1, { inventory, hosts: oneHostAllRoles });
}

export interface RunEvent {
  readonly type: string;
  readonly attemptId?: string;
  readonly kind?: string;
  readonly source?: string;
  readonly reason?: string;
}

/** Every event of the newest run under a reports folder. */
export async function latestEvents(outDir: string): Promise<RunEvent[]> {
  const text = await readFile(join(outDir, 'latest', 'events.jsonl'), 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as RunEvent);
}

/** The claims the correlator accepted for one attempt. */
export function acceptedClaims(events: readonly RunEvent[], attemptId: string): RunEvent[] {
  return events.filter((event) => event.type === 'signal' && event.attemptId === attemptId && event.kind === 'claimed_healed');
}

/** Records of one attempt the correlator set aside as repeats of a record it had already counted. */
export function duplicateRecords(events: readonly RunEvent[], attemptId: string): RunEvent[] {
  return events.filter((event) => event.type === 'signal_rejected' && event.attemptId === attemptId && event.reason === 'duplicate');
}

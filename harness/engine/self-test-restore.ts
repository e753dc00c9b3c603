import { restoreFile } from '../faults/linux/file-state.js';
import type { PlannedAttempt } from './plan-types.js';

const FILE_SNAPSHOT = /^(present [0-7]{3,4} \d+:\d+ [A-Za-z0-9+/=]*|absent)$/;

/**
 * How `chaoslab selftest` puts a host back when a fault's own revert did not:
 * only where the snapshot says exactly what was there. That is chaoslab's file
 * form (`present MODE UID:GID BASE64` or `absent`, what every built-in file
 * fault takes) on a POSIX host, for a scenario that touches exactly one file
 * (`resources: ['file:/path']`, or the fault's default resources). Anything else
 * is left to the journal and the host is quarantined.
 */
export function restoreFromSnapshot(attempt: PlannedAttempt, snapshot: string): { command: string; what: string } | undefined {
  if (attempt.scenario.config.platform !== 'linux' || !FILE_SNAPSHOT.test(snapshot)) return undefined;
  const files = attempt.resources.filter((resource) => resource.startsWith('file:')).map((resource) => resource.slice('file:'.length));
  if (files.length !== 1 || attempt.resources.length !== 1 || !files[0]!.startsWith('/')) return undefined;
  try {
    return { command: restoreFile(files[0]!, snapshot), what: files[0]! };
  } catch {
    return undefined;
  }
}

import type { Clock } from '../core/clock.js';
import { Wakeup } from './wakeup.js';

/** Something the scheduler starts: one attempt, or one bundle injection (all members at once). */
export interface ScheduleUnit {
  readonly id: string;
  readonly host: string;
  /** What it touches on its host; `*` means the whole host. */
  readonly resources: readonly string[];
  /** `<host>|<check type>` of each attempt: repeats of one key are spaced and kept in order. */
  readonly spacingKeys: readonly string[];
}

export interface ScheduleOptions<U extends ScheduleUnit> {
  readonly concurrency: number;
  /**
   * Units at once on one host. Each running attempt holds a streaming channel
   * per log observer plus its probes on the host's one pooled connection, and
   * an SSH connection has few channels (OpenSSH MaxSessions 10).
   */
  readonly maxPerHost?: number;
  readonly repeatSpacingMs: number;
  readonly clock: Clock;
  /** Aborted on the first Ctrl-C: nothing new starts, running units finish (they revert). */
  readonly signal: AbortSignal;
  readonly execute: (unit: U) => Promise<void>;
  /** Probes the unit's host after it ran; a string is why its transport is lost. */
  readonly checkHost: (unit: U) => Promise<string | undefined>;
  readonly onQuarantine: (host: string, detail: string) => void;
  /** A unit that will never run: its host was quarantined, or the run was interrupted first. */
  readonly onNotRun: (unit: U, reason: 'host_quarantined' | 'interrupted', detail: string) => void;
  /** Hosts unusable from the start (e.g. a pending revert could not be replayed), with why. */
  readonly quarantined?: ReadonlyMap<string, string>;
}

export const DEFAULT_MAX_PER_HOST = 4;

/** Longest single wait; also keeps setTimeout below its 32-bit limit. */
const MAX_WAIT_MS = 2 ** 31 - 1;

export function resourcesOverlap(a: readonly string[], b: readonly string[]): boolean {
  if (a.includes('*') || b.includes('*')) return true;
  return a.some((resource) => b.includes(resource));
}

/**
 * Runs units under a global concurrency cap. A host is used exclusively unless
 * units declare resources, in which case units on disjoint resources of one
 * host run at the same time. Repeats of a host+check are started in plan order,
 * `repeatSpacingMs` after the previous one ended. A host whose transport is lost
 * after a unit is quarantined: its remaining units never run, other hosts go on.
 */
export async function runSchedule<U extends ScheduleUnit>(units: readonly U[], options: ScheduleOptions<U>): Promise<void> {
  const { clock } = options;
  const pending = [...units];
  const running = new Map<U, Promise<void>>();
  const lastEnd = new Map<string, number>();
  const quarantined = new Map<string, string>(options.quarantined ?? []);
  const wakeup = new Wakeup(clock);
  const failures: unknown[] = [];

  const start = (unit: U) => {
    const work = (async () => {
      try {
        await options.execute(unit);
      } finally {
        for (const key of unit.spacingKeys) lastEnd.set(key, clock.now());
      }
      const lost = await options.checkHost(unit);
      if (lost !== undefined && !quarantined.has(unit.host)) {
        quarantined.set(unit.host, lost);
        options.onQuarantine(unit.host, lost);
      }
    })()
      .catch((error: unknown) => {
        failures.push(error);
      })
      .finally(() => {
        running.delete(unit);
        wakeup.poke();
      });
    running.set(unit, work);
  };

  for (;;) {
    for (let i = pending.length - 1; i >= 0; i -= 1) {
      const unit = pending[i]!;
      const lost = quarantined.get(unit.host);
      if (options.signal.aborted) options.onNotRun(unit, 'interrupted', 'the run was interrupted before this attempt started');
      else if (lost !== undefined) options.onNotRun(unit, 'host_quarantined', `host ${unit.host} was quarantined: ${lost}`);
      else continue;
      pending.splice(i, 1);
    }
    if (!pending.length && !running.size) break;

    let nextReadyAt = Number.POSITIVE_INFINITY;
    const now = clock.now();
    for (let i = 0; i < pending.length && running.size < options.concurrency; i += 1) {
      const unit = pending[i]!;
      const sameHost = [...running.keys()].filter((other) => other.host === unit.host);
      const busy = sameHost.length >= (options.maxPerHost ?? DEFAULT_MAX_PER_HOST) || sameHost.some((other) => resourcesOverlap(other.resources, unit.resources) || sharesKey(other, unit));
      const earlierSameKey = pending.slice(0, i).some((earlier) => sharesKey(earlier, unit));
      if (busy || earlierSameKey) continue;
      const readyAt = Math.max(...unit.spacingKeys.map((key) => (lastEnd.has(key) ? lastEnd.get(key)! + options.repeatSpacingMs : now)), now);
      if (readyAt > now) {
        nextReadyAt = Math.min(nextReadyAt, readyAt);
        continue;
      }
      pending.splice(i, 1);
      i -= 1;
      start(unit);
    }
    if (!pending.length && !running.size) break;
    const wait = Number.isFinite(nextReadyAt) ? nextReadyAt - now : MAX_WAIT_MS;
    // Once interrupted, only the running units' ends (pokes) matter.
    await wakeup.wait(Math.min(Math.max(wait, 1), MAX_WAIT_MS), options.signal.aborted ? undefined : options.signal);
  }
  // An engine bug in one unit must not hide the others' results; it surfaces once all have ended.
  if (failures.length) throw failures[0];
}

function sharesKey(a: ScheduleUnit, b: ScheduleUnit): boolean {
  return a.spacingKeys.some((key) => b.spacingKeys.includes(key));
}

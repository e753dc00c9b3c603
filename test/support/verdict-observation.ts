import type { Observation, ProbeSample } from '../../harness/engine/verdict.js';

/** Ground-truth samples every second from 0 to `until` (inclusive), each answering 5 ms after it started. */
export function samples(until: number, compliant: (at: number) => boolean): ProbeSample[] {
  const out: ProbeSample[] = [];
  for (let at = 0; at <= until; at += 1000) out.push({ startedAt: at, at: at + 5, compliant: compliant(at) });
  return out;
}

/** An observation of the verdict tests: SLA 10 s, window 20 s, hold 3 s, probes every second, drift never fixed. */
export function observation(overrides: Partial<Observation>): Observation {
  return {
    expect: { outcome: 'heal' },
    slaMs: 10_000,
    windowMs: 20_000,
    holdMs: 3000,
    probeIntervalMs: 1000,
    signals: [],
    probes: samples(20_000, () => false),
    unavailableObservers: [],
    misconfiguredObservers: [],
    observerCount: 1,
    now: 20_005,
    ...overrides,
  };
}

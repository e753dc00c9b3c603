import { describe, expect, it } from 'vitest';
import { judge, type JudgedSignal, type Observation, type ProbeSample } from '../../harness/engine/verdict.js';
import type { VerdictKind } from '../../harness/model/verdict.js';
import { observation } from '../support/verdict-observation.js';

/**
 * Boundary tables of the SLA and window rules: each row sits exactly on a
 * limit or 1 ms past it, so an off-by-one in any comparison changes a verdict.
 * SLA 10 s, probe interval 1 s, window 20 s, hold 3 s, delivery allowance 1 s
 * (the default for an observer the observation does not list).
 */
const SLA = 10_000;
const PROBE = 1000;
const WINDOW = 20_000;
const ALLOWANCE = 1000;

/** Drifted at 0, restored as seen by a check answering at `restoreAt`, still restored at `until`. */
function restoredAt(restoreAt: number, until = Math.max(restoreAt + 3000, WINDOW) + 5): ProbeSample[] {
  return [
    { startedAt: 0, at: 5, compliant: false },
    { startedAt: restoreAt - 5, at: restoreAt, compliant: true },
    { startedAt: until - 5, at: until, compliant: true },
  ];
}

function observed(signals: JudgedSignal[], probes: ProbeSample[], extra: Partial<Observation> = {}): Observation {
  return observation({ slaMs: SLA, windowMs: WINDOW, probeIntervalMs: PROBE, signals, probes, now: probes[probes.length - 1]!.at, ...extra });
}

const claim = (at: number, receivedAt = at, source?: string): JudgedSignal => ({ kind: 'claimed_healed', at, receivedAt, ...(source !== undefined && { source }) });

interface Row {
  rule: string;
  signals: JudgedSignal[];
  probes: ProbeSample[];
  extra?: Partial<Observation>;
  kind: VerdictKind;
}

const rows: Row[] = [
  // a claim is on time when stamped at or before the SLA
  { rule: 'claim stamped exactly at the SLA → on time', signals: [claim(SLA)], probes: restoredAt(SLA + 500), kind: 'healed' },
  { rule: 'claim stamped 1 ms after the SLA → late', signals: [claim(SLA + 1)], probes: restoredAt(SLA + 500), kind: 'healed_late' },
  // a restore is on time when the check saw it by the SLA plus one probe interval
  { rule: 'restore seen exactly at SLA + probe interval → on time', signals: [claim(5000)], probes: restoredAt(SLA + PROBE), kind: 'healed' },
  { rule: 'restore seen 1 ms after SLA + probe interval → late', signals: [claim(5000, 5000)], probes: restoredAt(SLA + PROBE + 1), kind: 'healed_late' },
  // a claim is on time when received by the SLA plus its observer's delivery allowance
  { rule: 'claim received exactly at SLA + allowance → on time', signals: [claim(2000, SLA + ALLOWANCE)], probes: restoredAt(2000), kind: 'healed' },
  { rule: 'claim received 1 ms after SLA + allowance → late', signals: [claim(2000, SLA + ALLOWANCE + 1)], probes: restoredAt(2000), kind: 'healed_late' },
  {
    rule: "the observer's own allowance replaces the default: received at SLA + 3 s with a 3 s allowance → on time",
    signals: [claim(2000, SLA + 3000, 'poller')],
    probes: restoredAt(2000),
    extra: { deliveryAllowanceMs: { poller: 3000 } },
    kind: 'healed',
  },
  {
    rule: "the observer's own allowance: received 1 ms past it → late",
    signals: [claim(2000, SLA + 3001, 'poller')],
    probes: restoredAt(2000),
    extra: { deliveryAllowanceMs: { poller: 3000 } },
    kind: 'healed_late',
  },
  // a claim counts when stamped inside the window: at its last millisecond it does, after it it does not
  { rule: 'claim stamped exactly at the window end counts (late)', signals: [claim(WINDOW)], probes: restoredAt(4000), kind: 'healed_late' },
  { rule: 'claim stamped 1 ms after the window end is no claim: restored and unclaimed → silent_heal', signals: [claim(WINDOW + 1)], probes: restoredAt(4000), kind: 'silent_heal' },
];

describe('verdict boundaries (SLA, probe interval, delivery allowance, window)', () => {
  it.each(rows)('$rule', ({ signals, probes, extra, kind }) => {
    const result = judge(observed(signals, probes, extra));
    expect(result.verdict.kind).toBe(kind);
    expect(result.settled).toBe(true);
  });
});

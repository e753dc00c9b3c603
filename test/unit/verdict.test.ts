import { describe, expect, it } from 'vitest';
import type { ExpectSpec } from '../../harness/config/scenario-schema.js';
import { judge, type JudgedSignal, type Observation } from '../../harness/engine/verdict.js';
import { meetsExpectation } from '../../harness/model/expectation.js';
import { expectationMismatch } from '../../harness/model/mismatch.js';
import type { VerdictKind } from '../../harness/model/verdict.js';
import { observation, samples } from '../support/verdict-observation.js';

const HEAL: ExpectSpec = { outcome: 'heal', tier: 'L1', runbook: 'RB-1' };

const claim = (at: number, extra: Partial<JudgedSignal> = {}): JudgedSignal => ({ kind: 'claimed_healed', at, tier: 'L1', runbook: 'RB-1', ...extra });

function obs(overrides: Partial<Observation>): Observation {
  return observation({ expect: HEAL, observerCount: 2, ...overrides });
}

interface Case {
  name: string;
  input: Partial<Observation>;
  kind: VerdictKind;
  settled: boolean;
  passed: boolean;
}

const cases: Case[] = [
  {
    name: 'claim and restore inside the SLA, stable through hold → healed',
    input: { signals: [{ kind: 'detected', at: 1500 }, claim(3200)], probes: samples(7000, (t) => t >= 4000), now: 7005 },
    kind: 'healed',
    settled: true,
    passed: true,
  },
  {
    name: 'healed but hold not yet over → provisional, not settled',
    input: { signals: [claim(3200)], probes: samples(5000, (t) => t >= 4000), now: 5005 },
    kind: 'healed',
    settled: false,
    passed: true,
  },
  {
    name: 'restore seen by the first probe after the SLA still counts (probe interval grace)',
    input: { signals: [claim(9990)], probes: samples(14_000, (t) => t >= 10_000), now: 14_005 },
    kind: 'healed',
    settled: true,
    passed: true,
  },
  {
    name: 'claim and restore after the SLA inside the window → healed_late',
    input: { signals: [claim(12_500)], probes: samples(16_000, (t) => t >= 13_000), now: 16_005 },
    kind: 'healed_late',
    settled: true,
    passed: false,
  },
  {
    name: 'restored, then drifted again during hold → flapped',
    input: { signals: [claim(2500)], probes: samples(6000, (t) => t >= 3000 && t < 5000), now: 6005 },
    kind: 'flapped',
    settled: true,
    passed: false,
  },
  {
    name: 'claim stamped before the fix landed, checked only after it arrived → healed, not false_heal',
    input: { signals: [claim(6200, { receivedAt: 7600 })], probes: samples(12_000, (t) => t >= 8000), now: 12_005 },
    kind: 'healed',
    settled: true,
    passed: true,
  },
  {
    name: 'claim that arrived while the host was still drifted → false_heal',
    input: { signals: [claim(6200, { receivedAt: 6300 })], probes: samples(12_000, (t) => t >= 9000), now: 12_005 },
    kind: 'false_heal',
    settled: true,
    passed: false,
  },
  {
    name: 'claim while the next check still sees the drift → false_heal',
    input: { signals: [claim(2500)], probes: samples(3000, () => false), now: 3005 },
    kind: 'false_heal',
    settled: true,
    passed: false,
  },
  {
    name: 'claim not yet fact-checked → not settled',
    input: { signals: [claim(2500)], probes: samples(2000, () => false), now: 2600 },
    kind: 'not_healed',
    settled: false,
    passed: false,
  },
  {
    name: 'restored without a claim, through the window → silent_heal',
    input: { probes: samples(20_000, (t) => t >= 4000) },
    kind: 'silent_heal',
    settled: true,
    passed: false,
  },
  {
    name: 'restored without a claim before the window ends → waits for a late claim',
    input: { probes: samples(9000, (t) => t >= 4000), now: 9005 },
    kind: 'silent_heal',
    settled: false,
    passed: false,
  },
  {
    name: 'escalated without a fix → escalated (pass when escalation expected)',
    input: { expect: { outcome: 'escalate', tier: 'L3' }, signals: [{ kind: 'detected', at: 800 }, { kind: 'escalated', at: 1200, tier: 'L3' }] },
    kind: 'escalated',
    settled: true,
    passed: true,
  },
  {
    name: 'escalation is final only at the end of the window',
    input: { expect: { outcome: 'escalate' }, signals: [{ kind: 'escalated', at: 1200, tier: 'L3' }], probes: samples(5000, () => false), now: 5005 },
    kind: 'escalated',
    settled: false,
    passed: true,
  },
  {
    name: 'drift stays to the end of the window, no claim → not_healed',
    input: { signals: [{ kind: 'heal_failed', at: 3000 }] },
    kind: 'not_healed',
    settled: true,
    passed: false,
  },
  {
    name: 'negative control: the stack did nothing and the drift stayed → pass',
    input: { expect: { outcome: 'ignore' } },
    kind: 'not_healed',
    settled: true,
    passed: true,
  },
  {
    name: 'negative control that the stack "healed" → fails',
    input: { expect: { outcome: 'ignore' }, signals: [claim(1500)], probes: samples(6000, (t) => t >= 2000), now: 6005 },
    kind: 'healed',
    settled: true,
    passed: false,
  },
  {
    name: 'observer unavailable and host restored → inconclusive (a claim may have been missed)',
    input: { probes: samples(20_000, (t) => t >= 4000), unavailableObservers: ['healer-log'] },
    kind: 'inconclusive',
    settled: true,
    passed: false,
  },
  {
    name: 'one of two observers unavailable and never restored, expect heal → not_healed from ground truth and the other observer',
    input: { unavailableObservers: ['healer-log'] },
    kind: 'not_healed',
    settled: true,
    passed: false,
  },
  {
    name: 'every observer unavailable for the whole window, never restored, expect heal → inconclusive, not not_healed',
    input: { unavailableObservers: ['healer-log', 'telemetry'] },
    kind: 'inconclusive',
    settled: true,
    passed: false,
  },
  {
    name: 'observer unavailable and never restored, expect escalate → inconclusive',
    input: { expect: { outcome: 'escalate' }, unavailableObservers: ['healer-log'] },
    kind: 'inconclusive',
    settled: true,
    passed: false,
  },
  {
    name: 'observer unavailable and never restored, negative control → inconclusive',
    input: { expect: { outcome: 'ignore' }, unavailableObservers: ['healer-log'] },
    kind: 'inconclusive',
    settled: true,
    passed: false,
  },
  {
    name: 'claims after the window are not heals',
    input: { signals: [claim(20_500)], probes: samples(20_000, () => false) },
    kind: 'not_healed',
    settled: true,
    passed: false,
  },
];

describe('judge', () => {
  it.each(cases)('$name', ({ input, kind, settled, passed }) => {
    const result = judge(obs(input));
    expect(result.verdict.kind).toBe(kind);
    expect(result.settled).toBe(settled);
    expect(result.passed).toBe(passed);
  });

  it('times detect, claim and restore from t0', () => {
    const result = judge(obs({ signals: [{ kind: 'detected', at: 1500 }, claim(3200)], probes: samples(7000, (t) => t >= 4000), now: 7005 }));
    expect(result.timings).toEqual({ detectMs: 1500, claimMs: 3200, restoreMs: 4005 });
    expect(result.verdict).toEqual({ kind: 'healed', claimAt: 3200, restoreAt: 4005 });
    expect(result.funnel).toEqual({ detected: true, claimed: true, restored: true, stayedRestored: true });
  });

  it('keeps observing until the hold after a restore late in the window is over', () => {
    const result = judge(obs({ signals: [claim(18_500)], probes: samples(20_000, (t) => t >= 19_000) }));
    expect(result.observeUntil).toBe(19_005 + 3000);
    expect(result.settled).toBe(false);
  });

  it('records tier and runbook mismatches without changing the pass', () => {
    const result = judge(obs({ signals: [claim(3200, { tier: 'L2', runbook: 'RB-OTHER' })], probes: samples(7000, (t) => t >= 4000), now: 7005 }));
    expect(result.passed).toBe(true);
    expect(result.tierMismatch).toBe(true);
    expect(result.runbookMismatch).toBe(true);
    expect(result.observedRunbook).toBe('RB-OTHER');
  });

  it('reports flap details', () => {
    const result = judge(obs({ signals: [claim(2500)], probes: samples(6000, (t) => t >= 3000 && t < 5000), now: 6005 }));
    expect(result.verdict).toEqual({ kind: 'flapped', restoreAt: 3005, redriftAt: 5005, claims: 1, redriftSeenBy: 'ground_truth' });
    expect(result.funnel.stayedRestored).toBe(false);
  });
});

describe('expectations', () => {
  it.each([
    ['heal', 'healed', true],
    ['heal', 'healed_late', false],
    ['heal', 'silent_heal', false],
    ['escalate', 'escalated', true],
    ['escalate', 'not_healed', false],
    ['ignore', 'not_healed', true],
    ['ignore', 'escalated', false],
  ] as const)('%s is met by %s: %s', (outcome, kind, met) => {
    const verdict = kind === 'escalated' ? { kind, escalatedAt: 1 } : kind === 'not_healed' ? { kind } : kind === 'silent_heal' ? { kind, restoreAt: 1 } : { kind, claimAt: 1, restoreAt: 1 };
    expect(meetsExpectation({ outcome }, verdict)).toBe(met);
  });

  it('a missing runbook is a mismatch only when the stack acted and one was expected', () => {
    expect(expectationMismatch('RB-1', undefined, true)).toBe(true);
    expect(expectationMismatch('RB-1', undefined, false)).toBe(false);
    expect(expectationMismatch(undefined, 'RB-2', true)).toBe(false);
    expect(expectationMismatch('RB-1', 'RB-1', true)).toBe(false);
  });
});

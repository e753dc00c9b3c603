import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judge, type JudgedSignal, type Observation, type ProbeSample } from '../../harness/engine/verdict.js';
import { observation, samples } from '../support/verdict-observation.js';

/**
 * The rules of the verdict that the case tables of verdict.test.ts and
 * verdict-boundaries.test.ts leave open: re-drift seen by both sides, host-wide
 * claims, where tier and runbook are read from, the funnel and the detail texts.
 * Same observation as there: SLA 10 s, window 20 s, hold 3 s, probes every second.
 */
const claim = (at: number, extra: Partial<JudgedSignal> = {}): JudgedSignal => ({ kind: 'claimed_healed', at, ...extra });
const detected = (at: number, extra: Partial<JudgedSignal> = {}): JudgedSignal => ({ kind: 'detected', at, ...extra });
const probe = (at: number, compliant: boolean): ProbeSample => ({ startedAt: at - 5, at, compliant });

describe('a re-drift after the restore', () => {
  // restored at 3005, hold 3 s: samples every second from 0 to 8 s
  const probes = (redriftFrom?: number) => samples(8000, (t) => t >= 3000 && (redriftFrom === undefined || t < redriftFrom));

  it.each([
    { rule: 'the ground truth sees it first → seen by ground_truth, at its sample', redriftFrom: 5000, detectAt: 5500, at: 5005, seenBy: 'ground_truth' },
    { rule: 'the stack detects it first → seen by the stack, at its detection', redriftFrom: 6000, detectAt: 5500, at: 5500, seenBy: 'stack' },
    { rule: 'both at the same ms → the ground truth wins', redriftFrom: 5000, detectAt: 5005, at: 5005, seenBy: 'ground_truth' },
    { rule: 'only the stack detects it → seen by the stack', redriftFrom: undefined, detectAt: 5500, at: 5500, seenBy: 'stack' },
  ])('$rule', ({ redriftFrom, detectAt, at, seenBy }) => {
    const result = judge(observation({ signals: [claim(2500), detected(detectAt)], probes: probes(redriftFrom), now: 8005 }));
    expect(result.verdict).toEqual({ kind: 'flapped', restoreAt: 3005, redriftAt: at, claims: 1, redriftSeenBy: seenBy });
  });

  it.each([
    { rule: 'a detection after the claim but before the restore', signals: [claim(2500), detected(2800)] },
    { rule: 'a detection at the very ms the restore was seen', signals: [claim(2500), detected(3005)] },
    { rule: 'a detection after the restore at the very ms of the claim', signals: [claim(3500), detected(3500)] },
    { rule: 'a detection after the restore but before the claim', signals: [detected(3200), claim(3500)] },
  ])('is not $rule', ({ signals }) => {
    const result = judge(observation({ signals, probes: probes(), now: 8005 }));
    expect(result.verdict.kind).toBe('healed');
    expect(result.funnel.stayedRestored).toBe(true);
  });

  it('a claim followed by a check that sees the drift, after an earlier restore, is a flap, not a false heal', () => {
    const result = judge(observation({ signals: [claim(4000)], probes: samples(8000, (t) => t >= 2000 && t < 4000), now: 8005 }));
    expect(result.verdict).toMatchObject({ kind: 'flapped', restoreAt: 2005, redriftAt: 4005 });
  });
});

describe('claims and the window', () => {
  it('a claim at the last ms of the window is fact-checked: the check after it still sees drift → false_heal', () => {
    const result = judge(observation({ signals: [claim(20_000)], probes: samples(21_000, () => false), now: 21_005 }));
    expect(result.verdict).toEqual({ kind: 'false_heal', claimAt: 20_000 });
  });

  it('a claim 1 ms after the window is not judged (no false heal, no timing), though the funnel still shows the stack claimed', () => {
    const result = judge(observation({ signals: [claim(20_001)], probes: samples(21_000, () => false), now: 21_005 }));
    expect(result.verdict).toEqual({ kind: 'not_healed' });
    expect(result.timings.claimMs).toBeUndefined();
    // the funnel is one rule for the engine and the fold of a recorded run (model/funnel.ts): a named claim counts as claimed
    expect(result.funnel.claimed).toBe(true);
  });
});

describe('host-wide claims (a convergence run that does not name the drift)', () => {
  it('count only once a check started after them finds the host restored', () => {
    const waiting = judge(observation({ signals: [claim(2500, { hostWide: true })], probes: samples(2000, () => false), now: 2600 }));
    expect(waiting.funnel.claimed).toBe(false);
    expect(waiting.settled).toBe(false);
    const confirmed = judge(observation({ signals: [claim(2500, { hostWide: true })], probes: samples(7000, (t) => t >= 3000), now: 7005 }));
    expect(confirmed.verdict).toEqual({ kind: 'healed', claimAt: 2500, restoreAt: 3005 });
  });

  it('a confirmed host-wide claim before the first named signal is when the stack detected the drift', () => {
    const result = judge(observation({ signals: [claim(2500, { hostWide: true }), detected(3500)], probes: samples(7000, (t) => t >= 3000), now: 7005 }));
    expect(result.timings.detectMs).toBe(2500);
  });

  it('an unconfirmed host-wide claim is not a detection', () => {
    const result = judge(observation({ signals: [claim(2500, { hostWide: true }), detected(3500)], probes: samples(8000, () => false), now: 8005 }));
    expect(result.timings).toEqual({ detectMs: 3500 });
    expect(result.funnel).toEqual({ detected: true, claimed: false, restored: false, stayedRestored: false });
  });
});

describe('tier and runbook', () => {
  it('come from the claim that counts (or the escalation), else from the first named signal that carries one', () => {
    const acted = judge(observation({ signals: [detected(1000, { tier: 'L0', runbook: 'RB-0' }), claim(2500, { tier: 'L1', runbook: 'RB-1' })], probes: samples(7000, (t) => t >= 3000), now: 7005 }));
    expect(acted).toMatchObject({ observedTier: 'L1', observedRunbook: 'RB-1' });
    const named = judge(observation({ signals: [detected(500, { hostWide: true, tier: 'HW', runbook: 'RB-HW' }), detected(1000), detected(1500, { tier: 'L2', runbook: 'RB-2' })] }));
    expect(named).toMatchObject({ observedTier: 'L2', observedRunbook: 'RB-2' });
  });

  it('are never read from host-wide signals', () => {
    const result = judge(observation({ signals: [detected(500, { hostWide: true, tier: 'HW', runbook: 'RB-HW' })] }));
    expect(result).not.toHaveProperty('observedTier');
    expect(result).not.toHaveProperty('observedRunbook');
  });

  it('a mismatch counts only when the stack acted: a detection alone with another tier is none', () => {
    const result = judge(observation({ expect: { outcome: 'heal', tier: 'L1', runbook: 'RB-1' }, signals: [detected(1000, { tier: 'L2', runbook: 'RB-2' })] }));
    expect(result).toMatchObject({ observedTier: 'L2', tierMismatch: false, runbookMismatch: false });
  });

  it('an escalation carries its tier in the verdict, and no tier key when it has none', () => {
    const withTier = judge(observation({ expect: { outcome: 'escalate' }, signals: [{ kind: 'escalated', at: 1200, tier: 'L3' }] }));
    expect(withTier.verdict).toStrictEqual({ kind: 'escalated', escalatedAt: 1200, tier: 'L3' });
    const without = judge(observation({ expect: { outcome: 'escalate' }, signals: [{ kind: 'escalated', at: 1200 }] }));
    expect(without.verdict).toStrictEqual({ kind: 'escalated', escalatedAt: 1200 });
  });
});

describe('the funnel', () => {
  it('stayedRestored only once the hold after the restore is over', () => {
    const input = (now: number) => observation({ signals: [claim(2500)], probes: samples(now - 5, (t) => t >= 3000), now });
    // restored at 3005, hold 3 s: stayed from 6005 on
    expect(judge(input(6004)).funnel.stayedRestored).toBe(false);
    expect(judge({ ...input(6004), now: 6005 }).funnel.stayedRestored).toBe(true);
  });
});

describe('blind observers: the detail says which and why', () => {
  const misconfigured = [{ name: 'report', records: 4, firstProblem: 'field host (host) is missing' }];

  it.each([
    { outcome: 'escalate' as const, text: 'an escalation cannot be confirmed' },
    { outcome: 'ignore' as const, text: 'inaction cannot be confirmed' },
  ])('never restored, expect $outcome, one of two observers unreadable: "$text"', ({ outcome, text }) => {
    const result = judge(observation({ expect: { outcome }, unavailableObservers: ['healer-log'], observerCount: 2 }));
    expect(result.verdict).toEqual({ kind: 'inconclusive', reason: 'observer_unavailable', detail: `host never restored; observer(s) healer-log could not be read, so ${text}` });
  });

  it('names unreadable and misconfigured observers together; the misconfiguration is the headline', () => {
    const result = judge(observation({ unavailableObservers: ['a', 'b'], misconfiguredObservers: misconfigured, observerCount: 3 }));
    expect(result.verdict).toEqual({
      kind: 'inconclusive',
      reason: 'observer_misconfigured',
      detail:
        'host never restored, and no observer of the healing stack could be used (observer(s) a, b could not be read; observer report is misconfigured: all 4 record(s) it read were malformed (first: field host (host) is missing)): its side is unknown',
    });
  });

  it('every observer blind counts misconfigured ones too: one of two misconfigured and the other unreadable → inconclusive even when a heal is expected', () => {
    const result = judge(observation({ unavailableObservers: ['a'], misconfiguredObservers: misconfigured, observerCount: 2 }));
    expect(result.verdict).toMatchObject({ kind: 'inconclusive', reason: 'observer_misconfigured' });
    const onlyMisconfigured = judge(observation({ misconfiguredObservers: misconfigured, observerCount: 1 }));
    expect(onlyMisconfigured.verdict).toMatchObject({
      detail: 'host never restored, and no observer of the healing stack could be used (observer report is misconfigured: all 4 record(s) it read were malformed (first: field host (host) is missing)): its side is unknown',
    });
    const oneLeft = judge(observation({ misconfiguredObservers: misconfigured, observerCount: 2 }));
    expect(oneLeft.verdict).toEqual({ kind: 'not_healed' });
  });
});

describe('the order samples and signals arrive in does not matter', () => {
  // A small world: probes every 500 ms up to 8 s with a random compliance pattern, a few signals at random times.
  const world = fc.record({
    compliance: fc.array(fc.boolean(), { minLength: 17, maxLength: 17 }),
    // distinct stamps: of two signals stamped at the same ms, either may rightly come first
    signals: fc.uniqueArray(
      fc.record({
        kind: fc.constantFrom('detected' as const, 'claimed_healed' as const, 'escalated' as const),
        at: fc.integer({ min: 0, max: 8000 }),
        hostWide: fc.boolean(),
        tier: fc.constantFrom(undefined, 'L1', 'L2'),
      }),
      { maxLength: 5, selector: (s) => s.at },
    ),
  });

  it('judging shuffled input gives the same judgement', () => {
    fc.assert(
      fc.property(world, fc.infiniteStream(fc.nat()), ({ compliance, signals }, shuffleKeys) => {
        const probes = compliance.map((compliant, i) => probe(i * 500 + 5, compliant));
        const cleanSignals: JudgedSignal[] = signals.map(({ tier, hostWide, ...s }) => ({ ...s, ...(hostWide && { hostWide }), ...(tier !== undefined && { tier }) }));
        const base: Observation = observation({ windowMs: 8000, slaMs: 4000, signals: cleanSignals, probes, now: 8005 });
        const keys = [...shuffleKeys.take(probes.length + cleanSignals.length)];
        const shuffle = <T>(items: readonly T[], offset: number) => items.map((item, i) => ({ item, key: keys[offset + i]! })).sort((a, b) => a.key - b.key).map(({ item }) => item);
        const shuffled: Observation = { ...base, probes: shuffle(probes, 0), signals: shuffle(cleanSignals, probes.length) };
        expect(judge(shuffled)).toEqual(judge(base));
      }),
      { numRuns: 300 },
    );
  });

  it('reversed input gives the same judgement (a restore, a redrift and a claim in reverse)', () => {
    const base = observation({ signals: [detected(1000), claim(2500, { tier: 'L1' })], probes: samples(8000, (t) => t >= 3000 && t < 6000), now: 8005 });
    const reversed = { ...base, probes: [...base.probes].reverse(), signals: [...base.signals].reverse() };
    expect(judge(reversed)).toEqual(judge(base));
    expect(judge(base).verdict).toMatchObject({ kind: 'flapped', restoreAt: 3005, redriftAt: 6005 });
  });
});

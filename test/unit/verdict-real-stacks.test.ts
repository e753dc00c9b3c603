import { describe, expect, it } from 'vitest';
import { hostSchema } from '../../harness/config/lab-schema.js';
import { judge, type JudgedSignal, type Observation } from '../../harness/engine/verdict.js';
import type { Verdict } from '../../harness/model/verdict.js';
import { Correlator } from '../../harness/observers/correlate.js';
import { observation, samples } from '../support/verdict-observation.js';

/**
 * Verdict rules for how real healing stacks report: they re-report, stamp
 * claims with times other than when they are delivered, summarise a whole
 * convergence run in one line, and run on their own clocks.
 * SLA 10 s, window 20 s, hold 3 s, probes every second (test/support/verdict-observation.ts).
 */
const claim = (at: number, extra: Partial<JudgedSignal> = {}): JudgedSignal => ({ kind: 'claimed_healed', at, receivedAt: at + 50, ...extra });
const detected = (at: number, extra: Partial<JudgedSignal> = {}): JudgedSignal => ({ kind: 'detected', at, receivedAt: at + 50, ...extra });

interface Row {
  rule: string;
  input: Partial<Observation>;
  verdict: Verdict;
}

function judgeRows(rows: Row[]): void {
  it.each(rows)('$rule', ({ input, verdict }) => {
    const result = judge(observation(input));
    expect(result.verdict).toEqual(verdict);
    expect(result.settled).toBe(true);
  });
}

describe('repeated claims are one heal; flapped needs the drift to come back', () => {
  judgeRows([
    {
      rule: '"Why" case: fixed once, "healed" logged twice 1 s apart, never re-drifted → healed, timed by the first claim',
      input: { signals: [claim(3200), claim(4200)], probes: samples(8000, (t) => t >= 4000), now: 8005 },
      verdict: { kind: 'healed', claimAt: 3200, restoreAt: 4005, claimReceivedAt: 3250 },
    },
    {
      rule: 'three claims from two components of the stack, host stays restored → healed',
      input: { signals: [claim(3200, { source: 'agent' }), claim(3300, { source: 'report' }), claim(9000, { source: 'agent' })], probes: samples(9000, (t) => t >= 4000), now: 9005 },
      verdict: { kind: 'healed', claimAt: 3200, restoreAt: 4005, claimReceivedAt: 3250 },
    },
    {
      rule: 'ground truth drifts again after the restore → flapped, seen by the ground truth',
      input: { signals: [claim(2500), claim(5500)], probes: samples(7000, (t) => t >= 3000 && t < 5000), now: 7005 },
      verdict: { kind: 'flapped', restoreAt: 3005, redriftAt: 5005, claims: 2, redriftSeenBy: 'ground_truth' },
    },
    {
      rule: 'the stack detects the same drift again after the restore and its claim → flapped, seen by the stack',
      input: { signals: [detected(1500), claim(2500), detected(5200), claim(5600)], probes: samples(6000, (t) => t >= 3000), now: 6005 },
      verdict: { kind: 'flapped', restoreAt: 3005, redriftAt: 5200, claims: 2, redriftSeenBy: 'stack' },
    },
    {
      rule: 'a detection stamped before the stack\'s own claim is the original incident, not a re-drift → healed',
      input: { signals: [detected(3100), claim(3300)], probes: samples(7000, (t) => t >= 3000), now: 7005 },
      verdict: { kind: 'healed', claimAt: 3300, restoreAt: 3005, claimReceivedAt: 3350 },
    },
    {
      rule: 'a host-wide detection after the restore (the next convergence run) is not this drift coming back → healed',
      input: { signals: [claim(2500), detected(5200, { hostWide: true })], probes: samples(7000, (t) => t >= 3000), now: 7005 },
      verdict: { kind: 'healed', claimAt: 2500, restoreAt: 3005, claimReceivedAt: 2550 },
    },
  ]);
});

describe('SLA uses the stamp and the receipt', () => {
  judgeRows([
    {
      rule: '"Why" case: fixed at once, claim written 12 s later with its time set back to the fix → healed_late, both times kept',
      input: { signals: [claim(100, { receivedAt: 12_100, source: 'agent-log' })], probes: samples(16_000, (t) => t >= 1000), deliveryAllowanceMs: { 'agent-log': 1000 }, now: 16_005 },
      verdict: { kind: 'healed_late', claimAt: 100, restoreAt: 1005, claimReceivedAt: 12_100 },
    },
    {
      rule: 'a polling observer delivers a claim one interval late: inside its allowance → healed',
      input: { signals: [claim(9500, { receivedAt: 12_400, source: 'api' })], probes: samples(16_000, (t) => t >= 9000), deliveryAllowanceMs: { api: 3000 }, now: 16_005 },
      verdict: { kind: 'healed', claimAt: 9500, restoreAt: 9005, claimReceivedAt: 12_400 },
    },
    {
      rule: 'of repeated claims, one delivered on time is enough; the verdict shows that one',
      input: { signals: [claim(500, { receivedAt: 13_000, source: 'report' }), claim(900, { receivedAt: 950, source: 'agent-log' })], probes: samples(16_000, (t) => t >= 1000), now: 16_005 },
      verdict: { kind: 'healed', claimAt: 900, restoreAt: 1005, claimReceivedAt: 950 },
    },
  ]);
});

describe('one convergence run, one summary line (host-wide claims)', () => {
  judgeRows([
    {
      rule: 'a host-wide claim after which the check finds this drift gone → healed',
      input: { signals: [claim(4200, { hostWide: true })], probes: samples(9000, (t) => t >= 4000), now: 9005 },
      verdict: { kind: 'healed', claimAt: 4200, restoreAt: 4005, claimReceivedAt: 4250 },
    },
    {
      rule: 'a host-wide claim while this drift stays (the run fixed others, not this one) → not_healed, never false_heal',
      input: { signals: [claim(4200, { hostWide: true }), claim(14_200, { hostWide: true })] },
      verdict: { kind: 'not_healed' },
    },
    {
      rule: 'two runs: the first summary fixed other drifts, the second this one → timed by the second (healed_late past the SLA)',
      input: { signals: [claim(2000, { hostWide: true }), claim(12_500, { hostWide: true })], probes: samples(17_000, (t) => t >= 13_000), now: 17_005 },
      verdict: { kind: 'healed_late', claimAt: 12_500, restoreAt: 13_005, claimReceivedAt: 12_550 },
    },
    {
      rule: 'a host-wide escalation is not an escalation of this drift → not_healed',
      input: { expect: { outcome: 'escalate' }, signals: [{ kind: 'escalated', at: 3000, hostWide: true, tier: 'L3' }] },
      verdict: { kind: 'not_healed' },
    },
  ]);

  it('a confirmed host-wide claim counts in the funnel and timings; an unconfirmed one does not', () => {
    const confirmed = judge(observation({ signals: [claim(4200, { hostWide: true })], probes: samples(9000, (t) => t >= 4000), now: 9005 }));
    expect(confirmed.funnel).toMatchObject({ detected: true, claimed: true });
    expect(confirmed.timings).toEqual({ detectMs: 4200, claimMs: 4200, restoreMs: 4005 });
    const unconfirmed = judge(observation({ signals: [claim(4200, { hostWide: true })] }));
    expect(unconfirmed.funnel).toMatchObject({ detected: false, claimed: false });
    expect(unconfirmed.timings).toEqual({});
  });
});

describe('observers that read only malformed records', () => {
  const misconfigured = [{ name: 'agent-log', records: 4, firstProblem: 'field host (host) is missing' }];
  it.each([
    { rule: 'host restored, no claim, the only observer misconfigured → inconclusive observer_misconfigured (not silent_heal)', probes: samples(20_000, (t) => t >= 4000), observerCount: 1 },
    { rule: 'never restored, the only observer misconfigured → inconclusive observer_misconfigured (not not_healed)', probes: samples(20_000, () => false), observerCount: 1 },
  ])('$rule', ({ probes, observerCount }) => {
    const result = judge(observation({ probes, observerCount, misconfiguredObservers: misconfigured }));
    expect(result.verdict).toMatchObject({ kind: 'inconclusive', reason: 'observer_misconfigured' });
    expect(result.verdict.kind === 'inconclusive' && result.verdict.detail).toMatch(/agent-log is misconfigured: all 4 record\(s\) it read were malformed \(first: field host \(host\) is missing\)/);
  });

  it('one of two observers misconfigured, the other saw the claim → healed', () => {
    const result = judge(observation({ signals: [claim(3200, { source: 'api' })], probes: samples(8000, (t) => t >= 4000), now: 8005, observerCount: 2, misconfiguredObservers: misconfigured }));
    expect(result.verdict.kind).toBe('healed');
  });

  it('one of two observers misconfigured and the drift stayed, expect heal → not_healed from the ground truth and the other', () => {
    expect(judge(observation({ observerCount: 2, misconfiguredObservers: misconfigured })).verdict.kind).toBe('not_healed');
  });

  it('one observer unavailable and one misconfigured: both named, the configuration problem is the reason', () => {
    const result = judge(observation({ observerCount: 2, unavailableObservers: ['api'], misconfiguredObservers: misconfigured }));
    expect(result.verdict).toMatchObject({ kind: 'inconclusive', reason: 'observer_misconfigured' });
    expect(result.verdict.kind === 'inconclusive' && result.verdict.detail).toMatch(/api could not be read; observer agent-log is misconfigured/);
  });
});

describe('a skewed stack clock: the SLA rule uses the corrected stamp, the receipt is on chaoslab\'s clock', () => {
  const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
  const host = hostSchema.parse({ name: 'lin-web-1', platform: 'linux', address: '10.20.0.11', transport: { kind: 'ssh', user: 'root', password: 'env:PW', insecure_host_key: true } });

  /** Correlates one claim stamped `stampOnStackClock` (ms after t0 on the stack's clock) and received `receivedAt` ms after t0, then judges it. */
  function judgeSkewed(skewMs: number, stampOnStackClock: number, receivedAt: number): Verdict {
    const correlator = new Correlator({ host, checkType: 'ssh_config', checkTypeAliases: [], runId: 'run-1', since: T0, skewMs, toleranceMs: 500, until: T0 + 20_000, wallNow: () => T0 + receivedAt });
    const result = correlator.offer({ source: 'agent-log', kind: 'claimed_healed', at: T0 + stampOnStackClock, host: 'lin-web-1', checkType: 'ssh_config', raw: {} });
    if (!('accepted' in result)) throw new Error(`claim rejected: ${result.rejected.detail}`);
    return judge(observation({ signals: [result.accepted], probes: samples(16_000, (t) => t >= 9000), now: 16_005 })).verdict;
  }

  it.each([
    { rule: 'stack clock 5 s ahead: stamped 14 s on its clock = 9 s real, received 9.1 s → healed (uncorrected it would look late)', skewMs: 5000, stamp: 14_000, receivedAt: 9100, kind: 'healed', claimAt: 9000 },
    { rule: 'stack clock 5 s ahead: stamped 16 s on its clock = 11 s real → healed_late', skewMs: 5000, stamp: 16_000, receivedAt: 11_100, kind: 'healed_late', claimAt: 11_000 },
    { rule: 'stack clock 5 s behind: stamped 4 s on its clock = 9 s real → healed', skewMs: -5000, stamp: 4000, receivedAt: 9100, kind: 'healed', claimAt: 9000 },
    { rule: 'stack clock 5 s behind: stamped 6 s on its clock = 11 s real → healed_late (uncorrected it would look on time)', skewMs: -5000, stamp: 6000, receivedAt: 11_100, kind: 'healed_late', claimAt: 11_000 },
    { rule: 'stack clock 5 s behind, back-dated: stamped 4 s on its clock = 9 s real but received at 12.5 s → healed_late (the skew never moves the receipt)', skewMs: -5000, stamp: 4000, receivedAt: 12_500, kind: 'healed_late', claimAt: 9000 },
  ])('$rule', ({ skewMs, stamp, receivedAt, kind, claimAt }) => {
    expect(judgeSkewed(skewMs, stamp, receivedAt)).toEqual({ kind, claimAt, restoreAt: 9005, claimReceivedAt: receivedAt });
  });
});

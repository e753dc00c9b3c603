import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import { causeOf, describeCause } from '../../harness/model/cause.js';
import type { AttemptResult, SignalRecord } from '../../harness/model/run-model.js';
import { buildAttempt, type AttemptSpec } from '../fixtures/runs/build-attempt.js';
import { CATALOGUE } from '../fixtures/runs/catalogue.js';

/** The one-line cause every reporter shows, on attempts shaped like the ones in the issue. */
const base = { ...CATALOGUE['lin-ssh-root-login']!, slaS: 30, windowS: 45, observedTier: undefined, observedRunbook: undefined };
const attempt = (spec: Partial<AttemptSpec>): AttemptResult => buildAttempt({ ...base, outcome: 'not_healed', ...spec } as AttemptSpec, 'a1', 0);
const signal = (kind: SignalRecord['kind'], at: number): SignalRecord => ({ source: 'agent-log', kind, at, receivedAt: at, host: base.host, checkType: base.checkType, raw: {} });

describe('cause line', () => {
  it('says when the healer never spoke, and for how long it was watched', () => {
    expect(describeCause(attempt({}))).toBe('no healer event in 45s');
    expect(describeCause(attempt({ detectS: 12 }))).toBe('detected at 12s, no claim in 45s');
  });

  it('counts failed heals with their times', () => {
    const failed = attempt({});
    expect(describeCause({ ...failed, signals: [signal('heal_failed', 6800), signal('heal_failed', 38_000)] })).toBe('heal_failed ×2 (6.8s, 38s)');
  });

  it('names the claim and the check that still saw drift for a false heal', () => {
    const falseHeal = attempt({ outcome: 'false_heal', detectS: 1, claimS: 2.1 });
    expect(describeCause({ ...falseHeal, probes: [{ at: 0, compliant: false }, { at: 2400, compliant: false }] })).toBe('claimed at 2.1s, host still drifted at 2.4s');
  });

  it('says a silent heal was never claimed and a late heal missed its SLA', () => {
    expect(describeCause(attempt({ outcome: 'silent_heal', detectS: 1, restoreS: 3 }))).toBe('restored at 3.0s, never claimed');
    expect(describeCause(attempt({ outcome: 'healed_late', detectS: 1, claimS: 39, restoreS: 40 }))).toBe('restored at 40s, after the 30s SLA');
  });

  it('names the expected escalation when it did not happen, or happened at the wrong tier', () => {
    const escalate = { outcome: 'escalate' as const, tier: 'L3' as const };
    expect(describeCause(attempt({ expect: escalate }))).toBe('no healer event in 45s, expected escalate L3');
    const wrongTier = attempt({ outcome: 'escalated', expect: escalate, detectS: 1, claimS: 4 });
    expect(describeCause({ ...wrongTier, verdict: { kind: 'escalated', escalatedAt: 4000, tier: 'L2' }, passed: false, tierMismatch: true })).toBe('escalated L2 at 4.0s, expected L3');
  });

  it('adds a runbook mismatch after the verdict cause', () => {
    const healed = attempt({ outcome: 'healed', detectS: 1, claimS: 2, restoreS: 3 });
    expect(describeCause({ ...healed, runbookMismatch: true, observedRunbook: 'RB-X' })).toBe(`claimed at 2.0s, restored at 3.0s; runbook RB-X, expected ${base.expect.runbook}`);
  });

  it('is computed once, by the fold, for every attempt of a recorded run', async () => {
    const run = await foldLogFile(join(import.meta.dirname, '../fixtures/runs/catalogue-16/events.jsonl'));
    for (const a of run.attempts) expect(a.cause).toBe(describeCause(a));
    expect(run.attempts.find((a) => a.scenarioId === 'win-ws-firewall')?.cause).toBe('claimed at 2m20s, host still drifted at 9m');
    const { cause: _dropped, ...older } = run.attempts[0]!;
    expect(causeOf(older)).toBe(run.attempts[0]!.cause);
  });
});

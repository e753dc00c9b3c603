import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptResult } from '../../harness/model/run-model.js';
import { runEngineLab, type FileScenario } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * The engine over a real sshd against the real file healer reporting the way
 * real convergence tools do. SLAs leave seconds of margin: each verdict is
 * decided by the reporting rule, not by how busy the machine is.
 */
const SCENARIOS: FileScenario[] = [
  // fixed once, "healed" logged twice a second apart, never re-drifted
  { id: 'reported-twice', behaviour: 'heal-reported-twice', sla: '5s', window: '8s', hold: '2s', claimDelayMs: 1000 },
  // fixed at once; the claim written 7 s later with its time set back to the fix (SLA 4 s)
  { id: 'backdated', behaviour: 'heal-claim-backdated', sla: '4s', window: '12s', hold: '1s', claimDelayMs: 7000 },
];
// one run summary that names no check (check type `*`): alone on its host, since a
// host-wide claim is offered to every attempt running there
const SUMMARY: FileScenario[] = [{ id: 'run-summary', behaviour: 'heal-run-summary', sla: '5s', window: '8s', hold: '1s' }];

describe('real stack reporting habits, over real sshd', () => {
  let sshd: SshdFixture;
  let byId: Map<string, AttemptResult>;

  beforeAll(async () => {
    sshd = await startSshd();
    const attempts = [...(await runEngineLab(sshd, SCENARIOS)).attempts, ...(await runEngineLab(sshd, SUMMARY)).attempts];
    byId = new Map(attempts.map((a) => [a.scenarioId, a]));
  });

  afterAll(async () => {
    await sshd?.[Symbol.asyncDispose]();
  });

  it('a success reported twice is one heal → healed, not flapped', () => {
    const attempt = byId.get('reported-twice')!;
    expect(attempt.verdict.kind, JSON.stringify(attempt.verdict)).toBe('healed');
    expect(attempt.signals.filter((s) => s.kind === 'claimed_healed')).toHaveLength(2);
    expect(attempt.funnel.stayedRestored).toBe(true);
  });

  it('a claim delivered after the SLA but stamped inside it → healed_late, with both times kept', () => {
    const attempt = byId.get('backdated')!;
    expect(attempt.verdict.kind, JSON.stringify(attempt.verdict)).toBe('healed_late');
    const claim = attempt.signals.find((s) => s.kind === 'claimed_healed')!;
    // stamped inside the SLA, received well past SLA + the log's 1 s allowance
    expect(claim.at).toBeLessThanOrEqual(attempt.slaMs);
    expect(claim.receivedAt).toBeGreaterThan(attempt.slaMs + 1000);
    expect(attempt.verdict).toMatchObject({ claimAt: claim.at, claimReceivedAt: claim.receivedAt });
  });

  it('one run summary naming no check counts once the ground truth confirms it → healed', () => {
    const attempt = byId.get('run-summary')!;
    expect(attempt.verdict.kind, JSON.stringify(attempt.verdict)).toBe('healed');
    expect(attempt.signals).toEqual([expect.objectContaining({ kind: 'claimed_healed', checkType: '*', hostWide: true })]);
    expect(attempt.funnel).toMatchObject({ detected: true, claimed: true });
  });
});

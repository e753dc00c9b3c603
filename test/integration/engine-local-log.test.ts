import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngineLab, type FileScenario } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * A healing agent's own local log, as most agents write it: lines that never
 * name the host (it is implied). The `log` observer tails it on the target
 * (`host: $target`) over a real sshd, and the real file healer writes it.
 */
const SCENARIOS: FileScenario[] = [{ id: 'heals', behaviour: 'heal' }];

describe('a local log without host names, over real sshd', () => {
  let sshd: SshdFixture;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.[Symbol.asyncDispose]();
  });

  it('attributes its lines to the target host whose file it is: the real heal is judged healed', async () => {
    const model = await runEngineLab(sshd, SCENARIOS, { healerLogOmitsHost: true });
    const attempt = model.attempts[0]!;
    expect(attempt.verdict.kind, JSON.stringify(attempt.verdict)).toBe('healed');
    expect(attempt.signals.map((s) => [s.kind, s.host])).toEqual([
      ['detected', 'web1'],
      ['claimed_healed', 'web1'],
    ]);
    expect(attempt.rejectedSignals.filter((r) => r.reason === 'malformed')).toEqual([]);
  });

  it('an observer whose every record was malformed is reported misconfigured, not read as a silent stack', async () => {
    // the stack's time is in `at`; this field map looks for it elsewhere, so no line maps
    const model = await runEngineLab(sshd, SCENARIOS, { healerLogOmitsHost: true, healerLogObserverLines: ['fields: { at: finished_at }'] });
    const attempt = model.attempts[0]!;
    expect(attempt.verdict).toMatchObject({ kind: 'inconclusive', reason: 'observer_misconfigured' });
    expect(attempt.verdict.kind === 'inconclusive' && attempt.verdict.detail).toMatch(/observer healer-log is misconfigured: all \d+ record\(s\) it read were malformed \(first: field finished_at \(time\) is missing\)/);
    expect(attempt.funnel.restored).toBe(true);
    expect(model.notes.map((n) => n.message)).toContainEqual(expect.stringMatching(/healer-log is misconfigured/));
  });
});

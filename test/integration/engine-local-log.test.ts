import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevertJournal } from '../../harness/journal/journal.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { createEngineLab, runLabSession, type EngineLab, type FileScenario } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * A healing agent's own local log, as most agents write it: lines that never
 * name the host (it is implied). The `log` observer tails it on the target
 * (`host: $target`) over a real sshd, and the real file healer writes it.
 */
const SCENARIOS: FileScenario[] = [{ id: 'heals', behaviour: 'heal' }];

async function run(sshd: SshdFixture, options: Parameters<typeof createEngineLab>[3]): Promise<RunModel> {
  const lab: EngineLab = await createEngineLab(sshd, SCENARIOS, [], options);
  try {
    const result = await runLabSession(lab, { journal: new RevertJournal(join(lab.dir, 'journal')), reportsRoot: join(lab.dir, 'reports') });
    return result.model;
  } finally {
    await lab[Symbol.asyncDispose]();
  }
}

describe('a local log without host names, over real sshd', () => {
  let sshd: SshdFixture;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.[Symbol.asyncDispose]();
  });

  it('attributes its lines to the target host whose file it is: the real heal is judged healed', async () => {
    const model = await run(sshd, { healerLogOmitsHost: true });
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
    const model = await run(sshd, { healerLogOmitsHost: true, healerLogObserverLines: ['fields: { at: finished_at }'] });
    const attempt = model.attempts[0]!;
    expect(attempt.verdict).toMatchObject({ kind: 'inconclusive', reason: 'observer_misconfigured' });
    expect(attempt.verdict.kind === 'inconclusive' && attempt.verdict.detail).toMatch(/observer healer-log is misconfigured: all \d+ record\(s\) it read were malformed \(first: field finished_at \(time\) is missing\)/);
    expect(attempt.funnel.restored).toBe(true);
    expect(model.notes.map((n) => n.message)).toContainEqual(expect.stringMatching(/healer-log is misconfigured/));
  });
});

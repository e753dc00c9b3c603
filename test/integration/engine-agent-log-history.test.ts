import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../harness/engine/session.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import { createEngineLab, runLabSession, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * A real agent's log is long before chaoslab arrives. The engine lets the log
 * observer measure it before injecting, so the attempt streams only what the
 * agent writes from then on: none of the old lines reaches the correlator.
 */
describe('engine with an agent log that has a long history', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let result: SessionResult;

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [{ id: 'heals', behaviour: 'heal' }]);
    // old claims for the very same drift: streamed, each would be rejected as stale
    const old = `${JSON.stringify({ at: Date.now() - 86_400_000, kind: 'healed', host: 'web1', check_type: 'file_heals', runbook: 'RB-heals', tier: 'L1' })}\n`;
    await appendFile(lab.healerLog, old.repeat(50_000));
    result = await runLabSession(lab, { journal: new RevertJournal(join(lab.dir, 'journal')), reportsRoot: join(lab.dir, 'reports') });
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('judges the heal, and no old line was streamed (none rejected as stale)', () => {
    const [attempt] = result.model.attempts;
    expect(attempt!.verdict.kind, JSON.stringify(attempt!.verdict)).toBe('healed');
    expect(attempt!.signals.map((s) => s.kind)).toEqual(['detected', 'claimed_healed']);
    expect(attempt!.rejectedSignals).toEqual([]);
  });

  it('the observer took its starting point in time: no note says it read from the beginning', () => {
    expect(JSON.stringify(result.model)).not.toMatch(/could not take its starting point/);
  });
});

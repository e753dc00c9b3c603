import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../harness/engine/session.js';
import { parseEventLog } from '../../harness/events/fold.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import { BASELINE, createEngineLab, runLabSession, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/** A bundle: members injected together on one host, observed at once, judged per member and as a whole. */
describe('engine: bundle over real sshd', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let result: SessionResult;

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [{ id: 'fixed', behaviour: 'heal' }, { id: 'left', behaviour: 'ignore', window: '3s' }], [{ id: 'cascade', members: ['fixed', 'left'] }]);
    result = await runLabSession(lab, { journal: new RevertJournal(join(lab.dir, 'journal')), reportsRoot: join(lab.dir, 'reports'), plan: { select: ['cascade'] } });
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('judges each member on its own', () => {
    const verdicts = Object.fromEntries(result.model.attempts.map((a) => [a.scenarioId, [a.bundleId, a.verdict.kind]]));
    expect(verdicts).toEqual({ fixed: ['cascade', 'healed'], left: ['cascade', 'not_healed'] });
  });

  it('injects every member before observing any, reverts in reverse order, and judges the bundle as a whole', async () => {
    const { events } = parseEventLog(await readFile(join(result.runDir, 'events.jsonl'), 'utf8'));
    const steps = events.flatMap((e) => (e.type === 'command' && (e.step === 'inject' || e.step === 'revert') ? [`${e.step} ${e.attemptId!.split('/')[1]!.split('@')[0]}`] : []));
    expect(steps).toEqual(['inject fixed', 'inject left', 'revert left', 'revert fixed']);
    const t0s = events.filter((e) => e.type === 'attempt_t0').map((e) => (e.type === 'attempt_t0' ? e.t0Wall : 0));
    expect(new Set(t0s).size).toBe(1);
    expect(result.model.notes.map((n) => n.message)).toContainEqual(expect.stringMatching(/bundle cascade@web1#1: 1\/2 members met their expectation \(failed as a whole\)/));
    expect(await readFile(lab.filePath('left'), 'utf8')).toBe(BASELINE);
  });
});

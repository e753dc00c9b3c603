import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../harness/engine/session.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import { createEngineLab, runLabSession, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { freePort } from '../support/ports.js';

/**
 * One observer (an HTTP API nobody serves) cannot be read: only what ground
 * truth alone decides is judged; the rest is the lab's failure, not the healer's.
 */
describe('engine: an observer that cannot be reached', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let result: SessionResult;

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(
      sshd,
      [
        { id: 'heals', behaviour: 'heal' },
        { id: 'quiet', behaviour: 'fix-without-claim', window: '12s' },
        { id: 'never', behaviour: 'ignore', window: '2s' },
        { id: 'control', behaviour: 'ignore', expect: 'ignore', window: '2s' },
      ],
      [],
      { deadHttpObserverPort: await freePort() },
    );
    result = await runLabSession(lab, { journal: new RevertJournal(join(lab.dir, 'journal')), reportsRoot: join(lab.dir, 'reports') });
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  const verdictOf = (id: string) => result.model.attempts.find((a) => a.scenarioId === id)!.verdict;

  it('a restored host without a claim is inconclusive: the claim may be in the API we could not read', () => {
    expect(verdictOf('quiet')).toMatchObject({ kind: 'inconclusive', reason: 'observer_unavailable' });
  });

  it('a claim seen by the other observer and confirmed by ground truth still counts', () => {
    expect(verdictOf('heals').kind).toBe('healed');
  });

  it('drift that stayed is not_healed from ground truth alone; a negative control cannot be confirmed', () => {
    expect(verdictOf('never')).toEqual({ kind: 'not_healed' });
    expect(verdictOf('control')).toMatchObject({ kind: 'inconclusive', reason: 'observer_unavailable' });
  });

  it('records the observer failure in the run', () => {
    expect(result.model.notes.some((n) => n.message.startsWith('observer dead-api'))).toBe(true);
  });
});

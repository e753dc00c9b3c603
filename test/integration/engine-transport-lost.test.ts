import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevertJournal } from '../../harness/journal/journal.js';
import { BASELINE, createEngineLab, runLabSession, waitForContent, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/** sshd killed mid-observe: the attempt is the lab's failure, the host is quarantined, the journal keeps the revert. */
describe('engine: transport lost mid-attempt', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [
      { id: 'first', behaviour: 'ignore', window: '20s' },
      { id: 'second', behaviour: 'heal' },
    ]);
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('is inconclusive transport_lost, quarantines the host, skips its other attempts, and a later replay reverts', async () => {
    const journal = new RevertJournal(join(lab.dir, 'journal'));
    const reportsRoot = join(lab.dir, 'reports');
    // concurrency 1: "second" waits for "first", then finds its host quarantined
    const session = runLabSession(lab, { journal, reportsRoot, plan: { select: ['first', 'second'] }, concurrency: 1 });
    await waitForContent(lab.filePath('first'), 'drifted\n');
    await sshd.kill();
    const result = await session;

    const [first, second] = ['first', 'second'].map((id) => result.model.attempts.find((a) => a.scenarioId === id)!);
    expect(first!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'transport_lost' });
    expect(second!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'host_quarantined' });
    expect(result.model.hosts.find((h) => h.name === 'web1')!.quarantined).toBeDefined();
    expect(result.exitCode).toBe(3);

    // the revert could not run: the journal keeps it, and the file is still drifted
    const pending = (await journal.pending()).entries;
    expect(pending.map((e) => e.attemptId)).toEqual([first!.attemptId]);
    expect(await readFile(lab.filePath('first'), 'utf8')).toBe('drifted\n');

    // the host comes back: the next run replays the pending revert before anything else
    await sshd.restart();
    const next = await runLabSession(lab, { journal, reportsRoot, plan: { select: ['second'] } });
    expect(await readFile(lab.filePath('first'), 'utf8')).toBe(BASELINE);
    expect((await journal.pending()).entries).toEqual([]);
    expect(next.model.notes.some((n) => n.message.includes('reverted'))).toBe(true);
    expect(next.model.attempts[0]!.verdict.kind).toBe('healed');
  });
});

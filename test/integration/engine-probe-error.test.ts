import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import { BASELINE, createEngineLab, runLabSession, waitForContent, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * The check contract end to end over real sshd: once the file the check reads
 * is gone, the check exits 2 on every probe. The engine retries, then ends the
 * attempt inconclusive (probe_error) — not not_healed, not flapped — and still
 * reverts and verifies the baseline.
 */
/** Whether the run's event log (written as it happens) shows an attempt in its observe phase. */
async function observing(reportsRoot: string): Promise<boolean> {
  const runs = await readdir(reportsRoot).catch(() => [] as string[]);
  for (const run of runs) {
    const events = await readFile(join(reportsRoot, run, 'events.jsonl'), 'utf8').catch(() => '');
    if (events.includes('"phase":"observe","status":"start"')) return true;
  }
  return false;
}

describe('engine: a ground-truth check that keeps failing to read', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [{ id: 'unreadable', behaviour: 'ignore', expect: 'ignore', window: '20s' }]);
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('is inconclusive probe_error, is reverted, and leaves no journal entry', async () => {
    const journal = new RevertJournal(join(lab.dir, 'journal'));
    const session = runLabSession(lab, { journal, reportsRoot: join(lab.dir, 'reports'), plan: { select: ['unreadable'] }, concurrency: 1 });
    await waitForContent(lab.filePath('unreadable'), 'drifted\n');
    // once the drift is confirmed (the observe phase began), the file goes away
    await waitFor(async () => ((await observing(join(lab.dir, 'reports'))) ? true : undefined), { clock: systemClock, timeoutMs: 30_000, intervalMs: 50, description: 'the observe phase' });
    await rm(lab.filePath('unreadable'));
    const result = await session;

    const [attempt] = result.model.attempts;
    expect(attempt!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'probe_error', detail: expect.stringMatching(/^observe: check exited 2/) });
    expect(await readFile(lab.filePath('unreadable'), 'utf8')).toBe(BASELINE);
    expect((await journal.pending()).entries).toEqual([]);
  });
});

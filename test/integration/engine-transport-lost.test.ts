import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevertJournal } from '../../harness/journal/journal.js';
import { BASELINE, createEngineLab, runLabSession, waitForContent, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

const run = promisify(execFile);

/**
 * sshd killed mid-observe: the attempt is the lab's failure, the host is
 * quarantined, the journal keeps the revert. A host that starts refusing the
 * login mid-run is not a lost network: its own reason, the same safety.
 */
describe('engine: transport lost or login refused mid-attempt', () => {
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

  // last: it replaces the key sshd accepts
  it('a login refused mid-attempt (key replaced, connection dropped) is credentials_refused, not transport_lost; the host is quarantined for it and the journal keeps the revert', async () => {
    const journal = new RevertJournal(join(lab.dir, 'journal-refused'));
    const session = runLabSession(lab, { journal, reportsRoot: join(lab.dir, 'reports-refused'), plan: { select: ['first', 'second'] }, concurrency: 1 });
    await waitForContent(lab.filePath('first'), 'drifted\n');
    // another key is the only one authorised now, and the open connections are gone
    const otherKey = join(sshd.dir, 'rotated_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    await writeFile(join(sshd.dir, 'authorized_keys'), await readFile(`${otherKey}.pub`, 'utf8'));
    await sshd.dropConnections();
    const result = await session;

    const [first, second] = ['first', 'second'].map((id) => result.model.attempts.find((a) => a.scenarioId === id)!);
    expect(first!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'credentials_refused', detail: expect.stringMatching(/authentication failed for user/) });
    expect(first!.verdict.kind === 'inconclusive' && first!.verdict.detail).toMatch(/journal entry \S+ kept/);
    expect(second!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'host_quarantined', detail: expect.stringMatching(/authentication failed/) });
    expect(result.model.hosts.find((h) => h.name === 'web1')!.quarantined).toMatchObject({ reason: 'credentials_refused' });

    expect((await journal.pending()).entries.map((e) => e.attemptId)).toEqual([first!.attemptId]);
    expect(await readFile(lab.filePath('first'), 'utf8')).toBe('drifted\n');
  });
});

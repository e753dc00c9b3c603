import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { silentLogger } from '../../harness/core/logger.js';
import { JournalHosts } from '../../harness/journal/hosts.js';
import { defaultJournalDir, RevertJournal } from '../../harness/journal/journal.js';
import { replayJournal } from '../../harness/journal/replay.js';
import { tempDir } from '../support/tmp.js';

const entry = (attemptId: string) => ({
  runId: '20260101T000000Z-abcd',
  attemptId,
  host: 'web1',
  labFile: '/labs/lab.yaml',
  shell: 'posix' as const,
  revert: [`printf '%s\\n' 'secure' > /tmp/${attemptId}`],
  check: 'true',
  timeoutMs: 10_000,
});

describe('revert journal', () => {
  it('records one durable file per injection, lists them oldest first, removes them', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'state', 'journal'));
    const a = await journal.record(entry('lin-fw@web1#1'));
    const b = await journal.record(entry('bundle/lin-dns@web1#1'));
    expect(a.id).toMatch(/^[A-Za-z0-9._-]+$/);
    expect((await readdir(journal.dir)).sort()).toEqual([`${a.id}.json`, `${b.id}.json`].sort());
    const { entries } = await journal.pending();
    expect(entries.map((e) => e.attemptId)).toEqual(['lin-fw@web1#1', 'bundle/lin-dns@web1#1']);
    expect(entries[0]).toMatchObject({ v: 1, host: 'web1', revert: [expect.stringContaining('secure')], pid: process.pid });
    await journal.remove(a.id);
    expect((await journal.pending()).entries.map((e) => e.id)).toEqual([b.id]);
  });

  it('reports unreadable entries instead of dropping them, and ignores never-renamed temp files', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(dir.path);
    await writeFile(join(dir.path, 'broken.json'), '{"v":1,');
    await writeFile(join(dir.path, 'half.json.tmp'), '{');
    const { entries, unreadable } = await journal.pending();
    expect(entries).toEqual([]);
    expect(unreadable.map((u) => u.file)).toEqual([join(dir.path, 'broken.json')]);
  });

  it('a missing journal directory means nothing is pending', async () => {
    expect(await new RevertJournal('/nonexistent/chaoslab/journal').pending()).toEqual({ entries: [], unreadable: [] });
  });

  it('lives under CHAOSLAB_STATE_DIR, else .chaoslab in the working directory', () => {
    expect(defaultJournalDir('/work', {})).toBe('/work/.chaoslab/journal');
    expect(defaultJournalDir('/work', { CHAOSLAB_STATE_DIR: 'state' })).toBe('/work/state/journal');
    expect(defaultJournalDir('/work', { CHAOSLAB_STATE_DIR: '/var/lib/chaoslab' })).toBe('/var/lib/chaoslab/journal');
  });

  it('an entry whose inventory no longer loads is reported and kept, never dropped', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(dir.path);
    await journal.record({ ...entry('gone@web1#1'), labFile: join(dir.path, 'deleted-lab.yaml') });
    await writeFile(join(dir.path, 'other-lab.yaml'), 'name: other\nhosts: []\n');
    await journal.record({ ...entry('moved@web9#1'), labFile: join(dir.path, 'other-lab.yaml') });
    await using hosts = new JournalHosts({ clock: systemClock, logger: silentLogger });
    const results = await replayJournal(journal, (await journal.pending()).entries, { transportFor: hosts.transportFor });
    expect(results.map((r) => [r.entry.attemptId, r.status])).toEqual([
      ['moved@web9#1', 'host_unavailable'],
      ['gone@web1#1', 'host_unavailable'],
    ]);
    expect(results[1]!.detail).toContain('deleted-lab.yaml');
    expect((await journal.pending()).entries).toHaveLength(2);
  });
});

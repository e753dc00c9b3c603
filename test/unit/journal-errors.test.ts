import { chmod, mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RevertJournal, type NewJournalEntry } from '../../harness/journal/journal.js';
import { spyOnSyncs } from '../support/fsync-spy.js';
import { tempDir } from '../support/tmp.js';

/**
 * The revert journal's failure rules (journal.test.ts covers the trusted path and
 * the refusals of planted entries): what each failure says and which code it
 * carries, what `pending()` returns in which order, and that nothing is left open.
 * Failures come from real files: a folder where a file should be, a file where
 * the folder should be, an entry whose temporary name is taken.
 */
const fields = (attemptId: string): NewJournalEntry => ({
  runId: 'run-1',
  attemptId,
  host: 'web1',
  labFile: '/labs/lab.yaml',
  hostIdentity: 'web1 ssh 10.0.0.5:22',
  shell: 'posix',
  revert: ['revert'],
  check: 'true',
  timeoutMs: 10_000,
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** Entry ids end in a random part: pin it so a test can put something in the entry's way. */
function fixRandomPart(): void {
  // Math.random() = 0.5 → "0.i" in base 36 → the id ends "_i"
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
}

/** The files this process holds open under `dir` (through /proc/self/fd). */
async function openUnder(dir: string): Promise<string[]> {
  const targets = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter((target) => target === dir || target.startsWith(`${dir}/`));
}

describe('revert journal: writing fails with the folder named and the cause kept', () => {
  it('an entry whose temporary file already exists is not written over', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    await journal.record(fields('first'));
    fixRandomPart();
    await writeFile(join(journal.dir, 'run-1_taken_i.json.tmp'), 'someone else', { mode: 0o600 });
    const failure = journal.record(fields('taken'));
    await expect(failure).rejects.toMatchObject({
      code: 'CHAOSLAB_JOURNAL',
      message: expect.stringMatching(new RegExp(`^cannot write the revert journal in ${journal.dir}: .*EEXIST`)),
      cause: expect.objectContaining({ code: 'EEXIST' }),
    });
    expect(await readFile(join(journal.dir, 'run-1_taken_i.json.tmp'), 'utf8')).toBe('someone else');
  });

  it('an entry that cannot be renamed into place (a folder holds its name) is a journal error', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    await journal.record(fields('first'));
    fixRandomPart();
    await mkdir(join(journal.dir, 'run-1_blocked_i.json'));
    await writeFile(join(journal.dir, 'run-1_blocked_i.json', 'inside'), 'x');
    await expect(journal.record(fields('blocked'))).rejects.toMatchObject({
      code: 'CHAOSLAB_JOURNAL',
      message: expect.stringMatching(new RegExp(`^cannot write the revert journal in ${journal.dir}: `)),
      cause: expect.objectContaining({ syscall: 'rename' }),
    });
  });

  it('only the write that creates the folder syncs the folder above it', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'state', 'journal'));
    await journal.record(fields('first'));
    const synced = await spyOnSyncs();
    const second = await journal.record(fields('second'));
    expect(synced).toEqual([join(journal.dir, `${second.id}.json.tmp`), journal.dir]);
  });

  it('leaves no file of the journal open after writing, listing and removing', async () => {
    // looked at right after each call: a leaked handle is closed only when the garbage collector finds it
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'state', 'journal'));
    const a = await journal.record(fields('a'));
    expect(await openUnder(dir.path)).toEqual([]);
    await journal.record(fields('b'));
    expect(await openUnder(dir.path)).toEqual([]);
    await journal.pending();
    expect(await openUnder(dir.path)).toEqual([]);
    await journal.remove(a.id);
    expect(await openUnder(dir.path)).toEqual([]);
  });
});

describe('revert journal: removing', () => {
  it('an entry already gone is no error (a replay and a run may both verify a host)', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    const a = await journal.record(fields('a'));
    await journal.remove(a.id);
    await expect(journal.remove(a.id)).resolves.toBeUndefined();
  });

  it('an entry that cannot be removed names the entry and keeps the cause', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    await journal.record(fields('a'));
    await mkdir(join(journal.dir, 'stuck.json'));
    await expect(journal.remove('stuck')).rejects.toMatchObject({
      code: 'CHAOSLAB_JOURNAL',
      message: expect.stringMatching(/^cannot remove journal entry stuck: /),
      cause: expect.anything(),
    });
  });

  it('an id that is not a plain file name is refused with the id quoted', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    await expect(journal.remove('../x')).rejects.toMatchObject({
      code: 'CHAOSLAB_JOURNAL',
      message: 'refusing journal entry id "../x": ids are letters, digits, ".", "_" or "-"',
    });
  });
});

describe('revert journal: assertPrivate (checked before a run\'s first event)', () => {
  it('a journal not created yet is fine; a private one is fine; one others can write is refused', async () => {
    await using dir = await tempDir();
    await expect(new RevertJournal(join(dir.path, 'missing', 'journal')).assertPrivate()).resolves.toBeUndefined();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    await journal.record(fields('a'));
    await expect(journal.assertPrivate()).resolves.toBeUndefined();
    await chmod(journal.dir, 0o777);
    await expect(journal.assertPrivate()).rejects.toMatchObject({ code: 'CHAOSLAB_JOURNAL_UNSAFE', message: expect.stringContaining('mode 0777') });
  });
});

describe('revert journal: pending()', () => {
  it('a journal path that runs through a file cannot be read: a journal error naming the folder, with the cause', async () => {
    await using dir = await tempDir();
    await writeFile(join(dir.path, 'state'), 'a file, not a folder');
    const journalDir = join(dir.path, 'state', 'journal');
    await expect(new RevertJournal(journalDir).pending()).rejects.toMatchObject({
      code: 'CHAOSLAB_JOURNAL',
      message: expect.stringMatching(new RegExp(`^cannot read the revert journal ${journalDir}: .*ENOTDIR`)),
      cause: expect.objectContaining({ code: 'ENOTDIR' }),
    });
  });

  it('with no entry to replay the key is not read (a broken key does not block a run with nothing to revert)', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    const a = await journal.record(fields('a'));
    await journal.remove(a.id);
    await chmod(join(journal.dir, 'journal.key'), 0o644);
    expect(await journal.pending()).toEqual({ entries: [], rejected: [] });
  });

  it('entries come oldest first by the time they were written, whatever their file names', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    vi.useFakeTimers({ toFake: ['Date'] });
    // file names sort a, b, c, d; written in the order c, a, d, b
    for (const [attemptId, at] of [['c', 1_000], ['a', 2_000], ['d', 3_000], ['b', 4_000]] as const) {
      vi.setSystemTime(at);
      await journal.record(fields(attemptId));
    }
    vi.useRealTimers();
    const { entries } = await journal.pending();
    expect(entries.map((e) => [e.attemptId, e.createdAt])).toEqual([['c', 1_000], ['a', 2_000], ['d', 3_000], ['b', 4_000]]);
  });

  it('rejected files are listed in file-name order, each with its full path', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    await journal.record(fields('a'));
    const names = ['q', 'b', 'x', 'a', 'm', 'z', 'c', 'k', 'e', 'w', 'g', 'p', 'd', 'y', 'f'].map((n) => `${n}${n}.json`);
    for (const name of names) await writeFile(join(journal.dir, name), '{', { mode: 0o600 });
    const { rejected } = await journal.pending();
    expect(rejected.map((r) => r.file)).toEqual([...names].sort().map((name) => join(journal.dir, name)));
  });

  it.each([
    { rule: 'a file holding JSON null is not an entry, and says so of the entry as a whole', content: () => 'null', error: /^not a chaoslab journal entry: entry: / },
    { rule: 'a field inside an entry is named by its dotted path', content: (stored: object) => JSON.stringify({ ...stored, revert: ['ok', 7] }), error: /^not a chaoslab journal entry: revert\.1: / },
  ])('$rule', async ({ content, error }) => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    const a = await journal.record(fields('a'));
    const stored = JSON.parse(await readFile(join(journal.dir, `${a.id}.json`), 'utf8')) as object;
    await writeFile(join(journal.dir, 'bad.json'), content(stored), { mode: 0o600 });
    const { entries, rejected } = await journal.pending();
    expect(entries.map((e) => e.id)).toEqual([a.id]);
    expect(rejected).toEqual([{ file: join(journal.dir, 'bad.json'), error: expect.stringMatching(error) }]);
  });

  it('a signed entry under another file name is refused, naming its id', async () => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    const a = await journal.record(fields('a'));
    await writeFile(join(journal.dir, 'copy.json'), await readFile(join(journal.dir, `${a.id}.json`)), { mode: 0o600 });
    const { entries, rejected } = await journal.pending();
    expect(entries.map((e) => e.id)).toEqual([a.id]);
    expect(rejected).toEqual([{ file: join(journal.dir, 'copy.json'), error: `not trusted: the file name does not match its id ${a.id}` }]);
  });
});

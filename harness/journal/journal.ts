import { lstat, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ChaoslabError, errorMessage } from '../core/errors.js';
import type { ShellKind } from '../quoting/shell.js';
import { journalKey, KEY_FILE, macMatches, macOf } from './entry-auth.js';
import { checkPrivateDir, ensurePrivateDir, unsafeFileReason } from './private-dir.js';

/**
 * The revert journal: one file per active injection, durable (file and
 * directory fsynced) before the first injection command runs, removed only
 * after the host's baseline check passes again. Whatever kills the harness —
 * a crash, `kill -9`, power loss — the next `run` or `revert --pending` finds
 * the entry and reverts it. Entries are the one output not redacted: a revert
 * must restore exactly what the snapshot read, secrets included, so they are
 * private instead (0600 files in a 0700 directory) and live only until the
 * host is verified. Since they are commands run as root on lab hosts, an
 * entry is trusted only when its MAC verifies (see entry-auth.ts) and its
 * folder and file could not have been written by anyone else (private-dir.ts).
 */
export interface JournalEntry {
  readonly v: 2;
  /** File-name-safe unique id of the entry (the file is `<id>.json`). */
  readonly id: string;
  readonly runId: string;
  readonly attemptId: string;
  /** Inventory host name, and the inventory file that defined it (absolute) when the entry was written. */
  readonly host: string;
  readonly labFile: string;
  /** Where the host was reached (hostIdentity()): the entry replays only against a host with this identity. */
  readonly hostIdentity: string;
  readonly shell: ShellKind;
  /** Rendered revert commands (snapshot output baked in), run in order. */
  readonly revert: readonly string[];
  /** Exits 0 once the host is back at baseline. */
  readonly check: string;
  /** Per-command timeout, ms. */
  readonly timeoutMs: number;
  /** Wall-clock epoch ms when written. */
  readonly createdAt: number;
  readonly pid: number;
}

export type NewJournalEntry = Omit<JournalEntry, 'v' | 'id' | 'createdAt' | 'pid'>;

/** An entry found in the folder that will not be replayed, and why. */
export interface RejectedEntry {
  readonly file: string;
  readonly error: string;
}

/** Ids are file names: letters, digits, `.`, `_`, `-`, starting with a letter or digit (so never `..` or a path). */
export const ENTRY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

const storedEntrySchema = z.strictObject({
  v: z.literal(2),
  id: z.string().regex(ENTRY_ID, 'must be letters, digits, ".", "_" or "-"'),
  runId: z.string(),
  attemptId: z.string(),
  host: z.string(),
  labFile: z.string(),
  hostIdentity: z.string(),
  shell: z.enum(['posix', 'powershell']),
  revert: z.array(z.string()),
  check: z.string(),
  timeoutMs: z.number().int().positive(),
  createdAt: z.number(),
  pid: z.number().int(),
  mac: z.string(),
});

/** The authenticated fields, in a fixed order. */
function macFields(entry: JournalEntry): unknown[] {
  return [entry.v, entry.id, entry.runId, entry.attemptId, entry.host, entry.labFile, entry.hostIdentity, entry.shell, entry.revert, entry.check, entry.timeoutMs, entry.createdAt, entry.pid];
}

/** `<state dir>/journal`; the state dir is `CHAOSLAB_STATE_DIR` or `.chaoslab` in the working directory. */
export function defaultJournalDir(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  return join(env.CHAOSLAB_STATE_DIR ? resolve(cwd, env.CHAOSLAB_STATE_DIR) : join(cwd, '.chaoslab'), 'journal');
}

function entryId(entry: NewJournalEntry): string {
  const safe = `${entry.runId}_${entry.attemptId}`.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return `${safe.slice(0, 180) || 'entry'}_${Math.random().toString(36).slice(2, 8)}`;
}

/** The file of an entry id, refusing any id that is not a plain file name. */
function entryFile(dir: string, id: string): string {
  if (!ENTRY_ID.test(id)) throw new ChaoslabError('CHAOSLAB_JOURNAL', `refusing journal entry id ${JSON.stringify(id)}: ids are letters, digits, ".", "_" or "-"`);
  return join(dir, `${id}.json`);
}

async function fsyncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class RevertJournal {
  constructor(readonly dir: string) {}

  /** Durably records a pending revert. Resolves only once it would survive a power loss. */
  async record(fields: NewJournalEntry): Promise<JournalEntry> {
    const entry: JournalEntry = { v: 2, id: entryId(fields), createdAt: Date.now(), pid: process.pid, ...fields };
    const finalPath = entryFile(this.dir, entry.id);
    try {
      if (await ensurePrivateDir(this.dir)) await fsyncPath(dirname(this.dir), 'r');
      const key = await journalKey(this.dir, true);
      const tempPath = `${finalPath}.tmp`;
      const handle = await open(tempPath, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify({ ...entry, mac: macOf(key!, macFields(entry)) }, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tempPath, finalPath);
      await fsyncPath(this.dir, 'r');
      return entry;
    } catch (error) {
      if (error instanceof ChaoslabError) throw error;
      throw new ChaoslabError('CHAOSLAB_JOURNAL', `cannot write the revert journal in ${this.dir}: ${errorMessage(error)}`, { cause: error });
    }
  }

  /** Throws UnsafeJournalError when the folder exists and others could have written it: a run checks this before its first event. */
  async assertPrivate(): Promise<void> {
    try {
      await checkPrivateDir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Forgets an entry once its host is verified back at baseline. */
  async remove(id: string): Promise<void> {
    const file = entryFile(this.dir, id);
    try {
      await rm(file, { force: true });
      await fsyncPath(this.dir, 'r');
    } catch (error) {
      throw new ChaoslabError('CHAOSLAB_JOURNAL', `cannot remove journal entry ${id}: ${errorMessage(error)}`, { cause: error });
    }
  }

  /**
   * Entries left behind, oldest first. A folder others could write is refused
   * as a whole (UnsafeJournalError); a file that is unreadable, not ours, or
   * whose MAC does not verify is reported as rejected, never replayed or dropped.
   */
  async pending(): Promise<{ entries: JournalEntry[]; rejected: RejectedEntry[] }> {
    let names: string[];
    try {
      await checkPrivateDir(this.dir);
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], rejected: [] };
      if (error instanceof ChaoslabError) throw error;
      throw new ChaoslabError('CHAOSLAB_JOURNAL', `cannot read the revert journal ${this.dir}: ${errorMessage(error)}`, { cause: error });
    }
    // A `.tmp` file was never renamed: its injection never started, nothing to revert. (The key is `journal.key`.)
    const files = names.filter((n) => n.endsWith('.json')).sort();
    if (!files.length) return { entries: [], rejected: [] };
    const key = await journalKey(this.dir, false);
    const entries: JournalEntry[] = [];
    const rejected: RejectedEntry[] = [];
    for (const name of files) {
      const file = join(this.dir, name);
      try {
        entries.push(await readEntry(file, key));
      } catch (error) {
        rejected.push({ file, error: errorMessage(error) });
      }
    }
    entries.sort((a, b) => a.createdAt - b.createdAt);
    return { entries, rejected };
  }
}

async function readEntry(file: string, key: Buffer | undefined): Promise<JournalEntry> {
  const unsafe = unsafeFileReason(await lstat(file));
  if (unsafe) throw new Error(`not trusted: the file ${unsafe}`);
  const json: unknown = JSON.parse(await readFile(file, 'utf8'));
  if ((json as { v?: unknown } | null)?.v === 1) {
    throw new Error('not authenticated: an entry of an older chaoslab, written without a MAC; read its revert commands, apply them by hand if the fault is still on the host, then delete the file');
  }
  const parsed = storedEntrySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`not a chaoslab journal entry: ${issue.path.join('.') || 'entry'}: ${issue.message}`);
  }
  const { mac, ...entry } = parsed.data;
  if (!key) throw new Error(`not authenticated: the journal has no ${KEY_FILE}, so this entry was not written by chaoslab here (planted, or copied from elsewhere)`);
  if (!macMatches(key, macFields(entry), mac)) throw new Error('not authenticated: its MAC does not match (planted, edited, or written with another journal key)');
  if (basename(file) !== `${entry.id}.json`) throw new Error(`not trusted: the file name does not match its id ${entry.id}`);
  return entry;
}

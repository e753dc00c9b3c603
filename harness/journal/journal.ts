import { open, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ChaoslabError, errorMessage } from '../core/errors.js';
import type { ShellKind } from '../transport/transport.js';

/**
 * The revert journal: one file per active injection, durable (file and
 * directory fsynced) before the first injection command runs, removed only
 * after the host's baseline check passes again. Whatever kills the harness —
 * a crash, `kill -9`, power loss — the next `run` or `revert --pending` finds
 * the entry and reverts it. Entries are the one output not redacted: a revert
 * must restore exactly what the snapshot read, secrets included, so they are
 * private instead (0600 files in a 0700 directory) and live only until the
 * host is verified.
 */
export interface JournalEntry {
  readonly v: 1;
  /** File-name-safe unique id of the entry. */
  readonly id: string;
  readonly runId: string;
  readonly attemptId: string;
  /** Inventory host name, and the inventory file that defines it (absolute). */
  readonly host: string;
  readonly labFile: string;
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

/** `<state dir>/journal`; the state dir is `CHAOSLAB_STATE_DIR` or `.chaoslab` in the working directory. */
export function defaultJournalDir(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  return join(env.CHAOSLAB_STATE_DIR ? resolve(cwd, env.CHAOSLAB_STATE_DIR) : join(cwd, '.chaoslab'), 'journal');
}

function entryId(entry: NewJournalEntry): string {
  const safe = `${entry.runId}_${entry.attemptId}`.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `${safe}_${Math.random().toString(36).slice(2, 8)}`;
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
    const entry: JournalEntry = { v: 1, id: entryId(fields), createdAt: Date.now(), pid: process.pid, ...fields };
    try {
      await this.ensureDir();
      const finalPath = join(this.dir, `${entry.id}.json`);
      const tempPath = `${finalPath}.tmp`;
      const handle = await open(tempPath, 'w', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(entry, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tempPath, finalPath);
      await fsyncPath(this.dir, 'r');
      return entry;
    } catch (error) {
      throw new ChaoslabError('CHAOSLAB_JOURNAL', `cannot write the revert journal in ${this.dir}: ${errorMessage(error)}`, { cause: error });
    }
  }

  /** Forgets an entry once its host is verified back at baseline. */
  async remove(id: string): Promise<void> {
    try {
      await rm(join(this.dir, `${id}.json`), { force: true });
      await fsyncPath(this.dir, 'r');
    } catch (error) {
      throw new ChaoslabError('CHAOSLAB_JOURNAL', `cannot remove journal entry ${id}: ${errorMessage(error)}`, { cause: error });
    }
  }

  /** Entries left behind, oldest first. Unreadable files are reported, never silently dropped. */
  async pending(): Promise<{ entries: JournalEntry[]; unreadable: { file: string; error: string }[] }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], unreadable: [] };
      throw new ChaoslabError('CHAOSLAB_JOURNAL', `cannot read the revert journal ${this.dir}: ${errorMessage(error)}`, { cause: error });
    }
    const entries: JournalEntry[] = [];
    const unreadable: { file: string; error: string }[] = [];
    // A `.tmp` file was never renamed: its injection never started, nothing to revert.
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const file = join(this.dir, name);
      try {
        const parsed = JSON.parse(await readFile(file, 'utf8')) as JournalEntry;
        if (parsed.v !== 1 || !Array.isArray(parsed.revert) || typeof parsed.check !== 'string') throw new Error('not a chaoslab journal entry');
        entries.push(parsed);
      } catch (error) {
        unreadable.push({ file, error: errorMessage(error) });
      }
    }
    entries.sort((a, b) => a.createdAt - b.createdAt);
    return { entries, unreadable };
  }

  private async ensureDir(): Promise<void> {
    const made = await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // A freshly created directory is only durable once its parent is synced too.
    if (made !== undefined) await fsyncPath(resolve(this.dir, '..'), 'r');
  }
}

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { errorMessage } from '../core/errors.js';
import { hostWithIdentity } from './identity.js';
import type { JournalEntry, RejectedEntry } from './journal.js';
import { RevertJournal } from './journal.js';

/**
 * The journal lives under the working directory (or CHAOSLAB_STATE_DIR), so a
 * run started elsewhere would not see what a killed run left behind. Every
 * journal that records an entry is listed in a per-user file
 * (`$XDG_STATE_HOME/chaoslab/journals.json`, else
 * `~/.local/state/chaoslab/journals.json`); `run` and `revert --pending` look
 * through the others and say loudly where pending reverts for the same hosts
 * are. The list only says where to look: each journal found is checked and
 * its entries authenticated like the current one.
 */
export function registryFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME ? resolve(env.XDG_STATE_HOME) : join(homedir(), '.local', 'state');
  return join(base, 'chaoslab', 'journals.json');
}

async function listed(file: string): Promise<string[]> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return Array.isArray(parsed) ? parsed.filter((dir): dir is string => typeof dir === 'string') : [];
  } catch {
    return [];
  }
}

/** Adds a journal folder to the list; returns why it could not, if it could not. */
export async function registerJournal(dir: string, file = registryFile()): Promise<string | undefined> {
  try {
    // journals that no longer exist (a removed checkout, a test's temp folder) are dropped
    const dirs = (await listed(file)).filter((listedDir) => existsSync(listedDir));
    if (dirs.includes(resolve(dir))) return undefined;
    await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, `${JSON.stringify([...dirs, resolve(dir)], null, 2)}\n`, { mode: 0o600 });
    return undefined;
  } catch (error) {
    return `cannot list the journal in ${file}: ${errorMessage(error)}`;
  }
}

export interface JournalElsewhere {
  readonly dir: string;
  readonly entries: readonly JournalEntry[];
}

/**
 * Pending entries in the other listed journals, for hosts `hosts` has (all
 * hosts when absent). Journals that are gone, unsafe or unreadable are skipped:
 * they are reported when used directly.
 */
export async function pendingElsewhere(currentDir: string, hosts?: Parameters<typeof hostWithIdentity>[0], file = registryFile()): Promise<JournalElsewhere[]> {
  const found: JournalElsewhere[] = [];
  for (const dir of await listed(file)) {
    if (resolve(dir) === resolve(currentDir)) continue;
    try {
      const { entries } = await new RevertJournal(dir).pending();
      const relevant = hosts ? entries.filter((entry) => hostWithIdentity(hosts, entry.hostIdentity)) : entries;
      if (relevant.length) found.push({ dir, entries: relevant });
    } catch {
      // an unsafe or unreadable journal is refused where it is used; here it only is not pointed to
    }
  }
  return found;
}

/** The loud warning for entries found elsewhere. */
export function describeElsewhere(found: readonly JournalElsewhere[]): string[] {
  return found.map(
    ({ dir, entries }) =>
      `${entries.length} pending revert(s) for ${[...new Set(entries.map((e) => e.host))].join(', ')} are in another journal, ${dir}: run \`chaoslab revert --pending\` with CHAOSLAB_STATE_DIR=${resolve(dir, '..')}`,
  );
}

export interface EveryJournal {
  readonly entries: readonly JournalEntry[];
  readonly rejected: readonly RejectedEntry[];
  /** Listed journals that could not be read (unsafe, unreadable): what they hold is unknown. */
  readonly unreadable: readonly { readonly dir: string; readonly reason: string }[];
}

/**
 * Pending entries of the current journal and of every listed one, for whoever must
 * not lose track of a pending revert whatever the working directory: `report prune`
 * run elsewhere removed a run whose revert was pending in another folder's journal.
 * The current journal's errors are thrown as when it is used directly.
 */
export async function pendingInEveryJournal(currentDir: string, file = registryFile()): Promise<EveryJournal> {
  const current = await new RevertJournal(currentDir).pending();
  const entries = [...current.entries];
  const rejected = [...current.rejected];
  const unreadable: { dir: string; reason: string }[] = [];
  for (const dir of await listed(file)) {
    if (resolve(dir) === resolve(currentDir) || !existsSync(dir)) continue;
    try {
      const other = await new RevertJournal(dir).pending();
      for (const entry of other.entries) entries.push(entry);
      for (const entry of other.rejected) rejected.push(entry);
    } catch (error) {
      unreadable.push({ dir, reason: errorMessage(error) });
    }
  }
  return { entries, rejected, unreadable };
}

import type { Stats } from 'node:fs';
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ChaoslabError, errorMessage } from '../core/errors.js';

/**
 * The revert journal holds commands chaoslab runs as root on lab hosts, so
 * whoever can write its folder can make chaoslab run anything. It is trusted
 * only when nobody but the current user could have put or replaced anything
 * in it: the folder and its files belong to the current user and nobody else
 * may write them, and every folder above it belongs to the user or root and is
 * not writable by others, unless it is sticky like /tmp (there, others can add
 * their own entries but cannot rename or delete ours).
 */
export class UnsafeJournalError extends ChaoslabError {
  constructor(readonly path: string, reason: string) {
    super('CHAOSLAB_JOURNAL_UNSAFE', `refusing the revert journal: ${path} ${reason}; chaoslab only trusts a state directory that no other user can write (set CHAOSLAB_STATE_DIR to a private folder, e.g. under your home)`);
  }
}

const GROUP_OR_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

function currentUid(): number {
  return process.getuid?.() ?? 0;
}

function describeOwner(stats: Stats): string {
  return `is owned by uid ${stats.uid} (you are uid ${currentUid()})`;
}

function mode(stats: Stats): string {
  return (stats.mode & 0o7777).toString(8).padStart(4, '0');
}

/** The journal folder itself: a real folder (not a link), ours, writable by nobody else. */
function checkOwnDir(path: string, stats: Stats): void {
  if (!stats.isDirectory()) throw new UnsafeJournalError(path, stats.isSymbolicLink() ? 'is a symbolic link' : 'is not a directory');
  if (stats.uid !== currentUid()) throw new UnsafeJournalError(path, describeOwner(stats));
  if (stats.mode & GROUP_OR_OTHER_WRITE) throw new UnsafeJournalError(path, `is writable by other users (mode ${mode(stats)})`);
}

/** A folder above the journal: the user's or root's, and not writable by others unless sticky. */
function checkAncestor(path: string, stats: Stats): void {
  if (stats.uid !== currentUid() && stats.uid !== 0) throw new UnsafeJournalError(path, `is above the journal and ${describeOwner(stats)}`);
  if (stats.mode & GROUP_OR_OTHER_WRITE && !(stats.mode & STICKY)) {
    throw new UnsafeJournalError(path, `is above the journal and writable by other users without the sticky bit (mode ${mode(stats)}): another user could replace the journal`);
  }
}

/** Checks `dir` itself, then every folder above its real location (links resolved) up to the root. */
export async function checkPrivateDir(dir: string): Promise<void> {
  checkOwnDir(dir, await lstat(dir));
  for (let path = dirname(await realpath(dir)); ; path = dirname(path)) {
    checkAncestor(path, await lstat(path));
    if (dirname(path) === path) return;
  }
}

/** A journal file: a regular file (not a link) of ours that nobody else can write. Returns why not, or undefined. */
export function unsafeFileReason(stats: Stats): string | undefined {
  if (!stats.isFile()) return stats.isSymbolicLink() ? 'is a symbolic link' : 'is not a regular file';
  if (stats.uid !== currentUid()) return describeOwner(stats);
  if (stats.mode & GROUP_OR_OTHER_WRITE) return `is writable by other users (mode ${mode(stats)})`;
  return undefined;
}

/**
 * Creates `dir` (0700) when missing, then checks it. Returns true when this
 * call created it: its parent then needs an fsync for the folder to be durable.
 */
export async function ensurePrivateDir(dir: string): Promise<boolean> {
  let made: string | undefined;
  try {
    made = await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new ChaoslabError('CHAOSLAB_JOURNAL', `cannot create the revert journal ${dir}: ${errorMessage(error)}`, { cause: error });
  }
  await checkPrivateDir(dir);
  return made !== undefined && dirname(dir) !== dir;
}

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { link, lstat, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ChaoslabError, errorMessage } from '../core/errors.js';
import { UnsafeJournalError, unsafeFileReason } from './private-dir.js';

/**
 * Journal entries carry an HMAC-SHA256 made with a key that only this user can
 * read (`journal.key`, 0600, created with the journal folder). An entry that a
 * file copy, another program or another user put in the folder has no valid
 * MAC and is refused: it is never replayed, and nothing it names is loaded.
 */
export const KEY_FILE = 'journal.key';
const KEY_BYTES = 32;

async function readKey(path: string): Promise<Buffer> {
  const stats = await lstat(path);
  const unsafe = unsafeFileReason(stats) ?? (stats.mode & 0o077 ? `can be read by other users (mode ${(stats.mode & 0o777).toString(8)})` : undefined);
  if (unsafe) throw new UnsafeJournalError(path, unsafe);
  const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'hex');
  if (key.length !== KEY_BYTES) throw new ChaoslabError('CHAOSLAB_JOURNAL', `${path} is not a chaoslab journal key (${KEY_BYTES} bytes in hex); pending entries cannot be authenticated`);
  return key;
}

/** The journal's key, created (0600, synced) when `create` and there is none yet; undefined when absent and not created. */
export async function journalKey(dir: string, create: boolean): Promise<Buffer | undefined> {
  const path = join(dir, KEY_FILE);
  try {
    return await readKey(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!create) return undefined;
  // written in full under a temporary name of its own, then linked into place: a concurrent writer (another
  // run, or another attempt of this one creating the key at the same moment) never reads half a key or removes this one
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${randomBytes(KEY_BYTES).toString('hex')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, path);
  } catch (error) {
    // another chaoslab process of this user created it first: use theirs
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new ChaoslabError('CHAOSLAB_JOURNAL', `cannot create the journal key ${path}: ${errorMessage(error)}`, { cause: error });
  } finally {
    await rm(temp, { force: true });
  }
  return readKey(path);
}

/** HMAC-SHA256 (hex) of the fields, in the given order, as JSON. */
export function macOf(key: Buffer, fields: readonly unknown[]): string {
  return createHmac('sha256', key).update(JSON.stringify(fields)).digest('hex');
}

export function macMatches(key: Buffer, fields: readonly unknown[], mac: string): boolean {
  const expected = Buffer.from(macOf(key, fields), 'hex');
  const given = Buffer.from(mac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

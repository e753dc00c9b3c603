import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { journalKey, KEY_FILE } from '../../harness/journal/entry-auth.js';
import { tempDir } from '../support/tmp.js';

describe('journal key', () => {
  it('created by many attempts of one run at the same moment: one key for all, no error, no temporary file left', async () => {
    await using dir = await tempDir();
    const journal = join(dir.path, 'journal');
    await mkdir(journal, { mode: 0o700 });
    const keys = await Promise.all(Array.from({ length: 8 }, () => journalKey(journal, true)));
    expect(new Set(keys.map((key) => key!.toString('hex'))).size).toBe(1);
    expect(await readdir(journal)).toEqual([KEY_FILE]);
  });
});

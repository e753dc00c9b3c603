import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactBytes } from '../../harness/core/redact.js';
import { readZip, writeZip } from '../../harness/core/zip.js';
import { tempDir } from '../support/tmp.js';

/** Python's zipfile, an independent reader: checks every entry's CRC and prints name and length. */
function pythonListing(path: string): { status: number | null; stdout: string; stderr: string } {
  const script = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None, "bad CRC"\nfor i in z.infolist(): print(i.filename, len(z.read(i)))';
  const result = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('zip', () => {
  it('writes archives an independent reader accepts, and reads them back byte for byte', async () => {
    await using dir = await tempDir('chaoslab-zip-');
    const entries = new Map([
      ['trace.trace', Buffer.from('{"type":"before","params":{"url":"http://127.0.0.1/incidents/é"}}\n'.repeat(50))],
      ['resources/b1.dat', randomBytes(4096)],
      ['empty.txt', Buffer.alloc(0)],
    ]);
    const path = join(dir.path, 'trace.zip');
    await writeFile(path, writeZip(entries));
    const listing = pythonListing(path);
    expect(listing.stderr).toBe('');
    expect(listing.status).toBe(0);
    expect(listing.stdout.trim().split('\n')).toEqual([...entries].map(([name, data]) => `${name} ${data.length}`));
    const back = readZip(writeZip(entries));
    expect([...back.keys()]).toEqual([...entries.keys()]);
    for (const [name, data] of entries) expect(back.get(name)!.equals(data), name).toBe(true);
  });

  it('redacts secrets from binary entries without changing any other byte', () => {
    const secret = 'sid-0123456789abcdef-ünï';
    const before = randomBytes(300);
    const after = randomBytes(300);
    const data = Buffer.concat([before, Buffer.from(`Cookie: sid=${secret}`, 'utf8'), after]);
    const clean = redactBytes(data, [secret]);
    expect(clean.includes(Buffer.from(secret, 'utf8'))).toBe(false);
    expect(clean.subarray(0, 300).equals(before)).toBe(true);
    expect(clean.subarray(clean.length - 300).equals(after)).toBe(true);
    expect(clean.toString('latin1')).toContain('Cookie: sid=[redacted]');
    expect(redactBytes(data, ['not-in-there']).equals(data)).toBe(true);
  });
});

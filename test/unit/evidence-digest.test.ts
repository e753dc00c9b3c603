import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../harness/evidence/chain.js';
import { digestFile, LogScan } from '../../harness/evidence/digest.js';
import { describeLog } from '../../harness/evidence/manifest.js';
import { verifyChain } from '../../harness/evidence/verify-chain.js';
import { EventWriter } from '../../harness/events/writer.js';
import type { RunEvent } from '../../harness/model/events.js';
import { ManualClock } from '../support/manual-clock.js';
import { tempDir } from '../support/tmp.js';

/** The seal reads files in pieces; what it records must not depend on where the pieces end. */
function scanInPieces(bytes: Buffer, pieceSize: number): { events: number; runId: string; lastEventHash: string } {
  const scan = new LogScan();
  const reused = Buffer.alloc(pieceSize);
  for (let at = 0; at < bytes.length; at += pieceSize) {
    // one buffer for every piece, as digestFile reads them: the scan must copy what it keeps
    const length = bytes.copy(reused, 0, at, at + pieceSize);
    scan.read(reused.subarray(0, length));
    reused.fill(0x78);
  }
  return { events: scan.events, runId: scan.runId, lastEventHash: scan.lastEventHash };
}

const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ v: 1, seq: i + 1, runId: 'run-7', type: 'note', message: 'x'.repeat(i * 3) }));

describe('sealing reads files in pieces', () => {
  const shapes: Record<string, string> = {
    'a whole log': `${lines.join('\n')}\n`,
    'a cut-short last line': `${lines.join('\n')}\n{"v":1,"seq":41`,
    'one line without a newline': lines[0]!,
    'an empty file': '',
    'a blank line first': `\n${lines.slice(0, 3).join('\n')}\n`,
  };
  for (const [shape, text] of Object.entries(shapes)) {
    it(`counts events and hashes the last one alike for every piece size: ${shape}`, () => {
      const bytes = Buffer.from(text);
      const { path: _path, ...whole } = describeLog(bytes, 'events.jsonl');
      for (const size of [1, 2, 7, 64, 333, bytes.length + 1]) expect(scanInPieces(bytes, size), `pieces of ${size} bytes`).toEqual(whole);
    });
  }

  it('records the last complete line and the run of the first one', () => {
    const { events, runId, lastEventHash } = scanInPieces(Buffer.from(shapes['a cut-short last line']!), 5);
    expect({ events, runId, lastEventHash }).toEqual({ events: 40, runId: 'run-7', lastEventHash: sha256Hex(lines[39]!) });
    expect(scanInPieces(Buffer.from(''), 4)).toEqual({ events: 0, runId: '', lastEventHash: sha256Hex('') });
  });

  it('digests a file larger than one piece to its size and SHA-256', async () => {
    await using dir = await tempDir('chaoslab-digest-');
    const path = join(dir.path, 'events.jsonl');
    const text = `${Array.from({ length: 30_000 }, (_, i) => lines[i % lines.length]).join('\n')}\n`;
    await writeFile(path, text);
    const scan = new LogScan();
    const digest = await digestFile(path, scan.read);
    const bytes = await readFile(path);
    expect(bytes.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(digest).toEqual({ size: bytes.length, sha256: sha256Hex(bytes) });
    expect(scan.events).toBe(30_000);
    expect(scan.lastEventHash).toBe(sha256Hex(lines[(30_000 - 1) % lines.length]!));
  });
});

describe('the event writer chains the bytes it writes', () => {
  it('writes each event as JSON.stringify of the event it hands out, prev last, redacted, and the chain verifies', async () => {
    await using dir = await tempDir('chaoslab-writer-chain-');
    const writer = new EventWriter({ runId: 'run-9', reportsRoot: dir.path, clock: new ManualClock(), secrets: () => ['s3cret-token'] });
    const seen: RunEvent[] = [];
    writer.onEvent((event) => seen.push(event));
    writer.emit({ type: 'note', level: 'info', message: 'first' });
    writer.emit({ type: 'command', step: 'inject', host: 'web1', command: 'echo s3cret-token', exitCode: 0, stdout: 'ünïcode ✓ "quoted"', stderr: '', durationMs: 3, at: 1 });
    writer.emit({ type: 'note', level: 'warn', message: 'last', detail: undefined } as never);
    writer.close();
    const text = await readFile(writer.path, 'utf8');
    const written = text.trimEnd().split('\n');
    expect(written).toEqual(seen.map((event) => JSON.stringify(event)));
    expect(written.map((line) => Object.keys(JSON.parse(line) as object).at(-1))).toEqual(['prev', 'prev', 'prev']);
    expect(text).not.toContain('s3cret-token');
    expect(seen[2]!.prev).toBe(sha256Hex(written[1]!));
    expect(verifyChain(text, describeLog(Buffer.from(text), 'events.jsonl'))).toBeUndefined();
  });
});

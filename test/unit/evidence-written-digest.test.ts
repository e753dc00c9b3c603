import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createArtifactStream, recordArtifactDigests, writeArtifact, writtenDigest } from '../../harness/core/artifact-file.js';
import { sha256Hex } from '../../harness/evidence/chain.js';
import { digestFile } from '../../harness/evidence/digest.js';
import { resolveSigner } from '../../harness/evidence/keys.js';
import { describeLog, writeManifest } from '../../harness/evidence/manifest.js';
import { verifyFolder } from '../../harness/evidence/verify.js';
import { EventWriter } from '../../harness/events/writer.js';
import { ManualClock } from '../support/manual-clock.js';
import { tempDir } from '../support/tmp.js';

/**
 * Run folder files are digested from the bytes written (core/artifact-file.ts)
 * and the seal uses that digest only while the file on disk is the one written.
 */
describe('digests recorded as files are written', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir('chaoslab-written-');
  });
  afterEach(async () => {
    recordArtifactDigests(true);
    await dir[Symbol.asyncDispose]();
  });

  const onDisk = (path: string) => ({ size: statSync(path).size, sha256: sha256Hex(readFileSync(path)) });

  /** Moves the file's mtime well away from the write, as a later edit on a clock that ticked would. */
  const touchLater = (path: string) => {
    const later = new Date(statSync(path).mtimeMs + 60_000);
    utimesSync(path, later, later);
  };

  async function seal(folder: string) {
    writeFileSync(join(dir.path, 'key.pem'), generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const signer = await resolveSigner('file:key.pem', { stateDir: dir.path, labName: 'lab', cwd: dir.path });
    return writeManifest(folder, { kind: 'run', runId: 'run-3', argv: ['run'], version: '0.0.0', logs: ['events.jsonl'], signer });
  }

  it('records size and SHA-256 of the bytes on disk, whole, atomic or streamed', async () => {
    const whole = join(dir.path, 'summary.md');
    await writeArtifact(whole, '# ünïcode ✓\n');
    const atomic = join(dir.path, 'run.json');
    await writeArtifact(atomic, '{"a": 1}\n', { atomic: true });
    const streamed = join(dir.path, 'report.json');
    const out = createArtifactStream(streamed);
    for (const piece of ['{\n', '  "é": ', Buffer.from('[1, 2]'), '\n}\n']) await out.write(piece);
    await out.end();
    for (const path of [whole, atomic, streamed]) expect(await writtenDigest(path)).toEqual(onDisk(path));
    expect(readFileSync(streamed, 'utf8')).toBe('{\n  "é": [1, 2]\n}\n');
    expect(readdirSync(dir.path).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('forgets a file that changed since it was written: another size, or the same size at a later time', async () => {
    const grown = join(dir.path, 'a.xml');
    await writeArtifact(grown, '<a/>\n');
    appendFileSync(grown, '<b/>\n');
    const same = join(dir.path, 'b.xml');
    await writeArtifact(same, '<a/>\n');
    writeFileSync(same, '<x/>\n');
    touchLater(same);
    expect(await writtenDigest(grown)).toBeUndefined();
    expect(await writtenDigest(same)).toBeUndefined();
    expect(await writtenDigest(join(dir.path, 'never-written'))).toBeUndefined();
  });

  it('seals a file changed after it was written from its bytes on disk, not the stale digest, and the folder verifies', async () => {
    const writer = new EventWriter({ runId: 'run-3', reportsRoot: dir.path, clock: new ManualClock(), secrets: () => [] });
    for (const message of ['one', 'two', 'three']) writer.emit({ type: 'note', level: 'info', message });
    writer.close();
    const folder = writer.runDir;
    const log = describeLog(readFileSync(writer.path), 'events.jsonl');
    expect(await writtenDigest(writer.path)).toEqual({ ...(await digestFile(writer.path)), log: { lines: 3, runId: 'run-3', lastLineSha256: log.lastEventHash } });
    const report = join(folder, 'report.json');
    await writeArtifact(report, '{"passed": 1}\n');
    const written = onDisk(report);
    writeFileSync(report, '{"passed": 9}\n');
    touchLater(report);
    const kept = join(folder, 'summary.md');
    await writeArtifact(kept, 'kept\n');

    const manifest = await seal(folder);
    expect(manifest.artifacts).toEqual([
      { path: 'events.jsonl', ...onDisk(writer.path) },
      { path: 'report.json', ...onDisk(report) },
      { path: 'summary.md', ...onDisk(kept) },
    ]);
    expect(manifest.artifacts[1]!.sha256).not.toBe(written.sha256);
    expect(manifest.logs).toEqual([log]);
    expect((await verifyFolder(folder)).problems).toEqual([]);
  });

  it('seals an event log appended to after its writer closed from disk: its count and last line too', async () => {
    const writer = new EventWriter({ runId: 'run-3', reportsRoot: dir.path, clock: new ManualClock(), secrets: () => [] });
    writer.emit({ type: 'note', level: 'info', message: 'one' });
    writer.close();
    appendFileSync(writer.path, '{"v":1,"seq":2,"runId":"run-3","type":"note","level":"info","message":"added"}\n');
    const manifest = await seal(writer.runDir);
    expect(manifest.artifacts[0]).toEqual({ path: 'events.jsonl', ...onDisk(writer.path) });
    expect(manifest.logs).toEqual([describeLog(readFileSync(writer.path), 'events.jsonl')]);
    expect(manifest.logs[0]!.events).toBe(2);
  });

  it('records nothing when turned off (the benchmark baseline), and an unchained log is never recorded', async () => {
    const path = join(dir.path, 'junit.xml');
    await writeArtifact(path, '<testsuites/>\n');
    expect(await writtenDigest(path)).toBeDefined();
    recordArtifactDigests(false);
    await writeArtifact(path, '<testsuites tests="1"/>\n');
    expect(readFileSync(path, 'utf8')).toBe('<testsuites tests="1"/>\n');
    expect(await writtenDigest(path)).toBeUndefined();
    recordArtifactDigests(true);
    const writer = new EventWriter({ runId: 'run-4', reportsRoot: dir.path, clock: new ManualClock(), secrets: () => [], chained: false });
    writer.emit({ type: 'note', level: 'info', message: 'one' });
    writer.close();
    expect(await writtenDigest(writer.path)).toBeUndefined();
  });
});

import { createHash, hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { writeFileAtomic } from './atomic-file.js';

/**
 * How chaoslab writes the files of a run folder: each file's size and SHA-256
 * are taken from the bytes in memory as they are written, so sealing the folder
 * (evidence/manifest.ts) need not read them back. A recorded digest is only
 * used while the file on disk is still the one written: same size, mtime,
 * ctime, inode and device (`writtenDigest`); any other file, or a file changed
 * since, is read and hashed from disk.
 *
 * What a stale record could do: a change that keeps the size and lands within
 * the file system's timestamp tick of the write (a few ms) is not seen here,
 * and the digest of the bytes written is sealed. verify then reports the file
 * as changed, which it was; a digest never covers bytes other than the ones
 * written, so no change can be hidden by it.
 */
export interface ArtifactDigest {
  readonly size: number;
  /** Hex. */
  readonly sha256: string;
}

/** What the writer of a JSON-lines log knows of it: complete lines, the first line's runId, the SHA-256 of the last line (without its newline). */
export interface LogFacts {
  readonly lines: number;
  readonly runId: string;
  readonly lastLineSha256: string;
}

export interface WrittenArtifact extends ArtifactDigest {
  readonly log?: LogFacts;
}

interface Identity {
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly dev: bigint;
}

const written = new Map<string, { artifact: WrittenArtifact; identity: Identity }>();
let recording = true;

/**
 * Default on. Off, artifacts are written without hashing, and an earlier record
 * of a file written then is dropped: only for bench/evidence-overhead.ts, whose
 * baseline is a run without evidence.
 */
export function recordArtifactDigests(on: boolean): void {
  recording = on;
}

const identityOf = (s: Identity): Identity => ({ size: s.size, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs, ino: s.ino, dev: s.dev });
const sameIdentity = (a: Identity, b: Identity) => a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino && a.dev === b.dev;

/**
 * Records the digest of the bytes a writer put in `path`, with the file's
 * identity as it is now. Nothing is recorded when the file's size is not the
 * number of bytes written (something else wrote to it too).
 */
export function recordArtifact(path: string, artifact: WrittenArtifact, now: Identity): void {
  if (!recording || now.size !== BigInt(artifact.size)) return forget(path);
  written.set(resolve(path), { artifact, identity: identityOf(now) });
}

const forget = (path: string) => void written.delete(resolve(path));

async function recordFromDisk(path: string, artifact: WrittenArtifact | undefined): Promise<void> {
  if (artifact) recordArtifact(path, artifact, await stat(path, { bigint: true }));
  else forget(path);
}

/** The recorded digest of `path`, if the file is still the one written; undefined otherwise (hash it from disk). */
export async function writtenDigest(path: string): Promise<WrittenArtifact | undefined> {
  const key = resolve(path);
  const entry = written.get(key);
  if (!entry) return undefined;
  try {
    if (sameIdentity(entry.identity, await stat(key, { bigint: true }))) return entry.artifact;
  } catch {
    // gone: the caller lists what is there
  }
  written.delete(key);
  return undefined;
}

const bytesOf = (data: string | Uint8Array): Uint8Array => (typeof data === 'string' ? Buffer.from(data) : data);

/**
 * Writes `data` to `path` (through `<path>.<pid>.tmp` and a rename with
 * `atomic`, so a reader never sees half of it) and records its digest. A string
 * is encoded once; the same bytes are hashed and written.
 */
export async function writeArtifact(path: string, data: string | Uint8Array, options: { atomic?: boolean } = {}): Promise<void> {
  const bytes = bytesOf(data);
  await (options.atomic ? writeFileAtomic(path, bytes) : writeFile(path, bytes));
  await recordFromDisk(path, recording ? { size: bytes.byteLength, sha256: hash('sha256', bytes, 'hex') } : undefined);
}

/** A file written piece by piece; `write` waits when the stream's buffer is full, `end` records the digest. */
export interface ArtifactStream {
  write(data: string | Uint8Array): Promise<void>;
  end(): Promise<void>;
}

export function createArtifactStream(path: string): ArtifactStream {
  const out = createWriteStream(path);
  const digest = recording ? createHash('sha256') : undefined;
  let size = 0;
  return {
    async write(data) {
      const bytes = bytesOf(data);
      digest?.update(bytes);
      size += bytes.byteLength;
      if (!out.write(bytes)) await once(out, 'drain');
    },
    async end() {
      out.end();
      await finished(out);
      await recordFromDisk(path, digest && { size, sha256: digest.digest('hex') });
    },
  };
}

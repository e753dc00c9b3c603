import { sign, verify, createPublicKey, type KeyObject } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { writtenDigest } from '../core/artifact-file.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { redact } from '../core/redact.js';
import { digestFile, LogScan } from './digest.js';
import type { ManifestSigner } from './keys.js';

/**
 * manifest.json: what a run folder held when chaoslab finished with it — every
 * file with its size and SHA-256, each event log's event count and last event
 * hash, chaoslab's version and argv — signed with Ed25519 over its canonical
 * JSON (keys sorted, no spaces), so any edit of a listed file, of the manifest
 * or of its signature is found by `chaoslab verify`.
 */
export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'chaoslab-manifest/1';

export interface ManifestArtifact {
  /** Relative to the folder, `/`-separated. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ManifestLog {
  readonly path: string;
  readonly runId: string;
  readonly events: number;
  /** SHA-256 of the last event's line; what the next event's `prev` would be. */
  readonly lastEventHash: string;
}

/** A manifest this one was made from: a run's, when re-rendered; each shard's, when merged. */
export interface ManifestSource {
  readonly path: string;
  readonly sha256: string;
  readonly runId: string;
  readonly keyFingerprint: string;
}

export interface ManifestBody {
  readonly format: typeof MANIFEST_FORMAT;
  /** `run`: written by `chaoslab run`; `report`: a re-render; `merge`: `report merge`. */
  readonly kind: 'run' | 'report' | 'merge';
  readonly runId: string;
  /**
   * The folder's name when it was sealed: a genuine run's folder renamed to
   * another run's id (or put in its place) no longer verifies. Absent in
   * manifests written before it existed; a `run` folder is then named by its run id.
   */
  readonly folder?: string;
  readonly status?: string;
  readonly createdAt: string;
  readonly chaoslabVersion: string;
  readonly argv: readonly string[];
  readonly logs: readonly ManifestLog[];
  readonly artifacts: readonly ManifestArtifact[];
  readonly sources: readonly ManifestSource[];
}

export interface ManifestSignature {
  readonly algorithm: 'Ed25519';
  /** SPKI DER, base64. */
  readonly publicKey: string;
  readonly keyFingerprint: string;
  /** Over canonicalJson(body), base64. */
  readonly value: string;
}

export type Manifest = ManifestBody & { readonly signature: ManifestSignature };

/**
 * What `report` writes when it will not vouch for what it rendered from (a
 * folder that was never sealed): the same listing, no signature, and why.
 * `verify` fails on it and prints the reason.
 */
export type UnsignedManifest = ManifestBody & { readonly unsigned: string };

/** JSON with object keys sorted at every level: the bytes a signature covers do not depend on how the file was pretty-printed. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function bodyOf(manifest: Manifest): ManifestBody {
  const { signature: _signature, ...body } = manifest;
  return body;
}

export function signManifest(body: ManifestBody, signer: ManifestSigner): Manifest {
  const value = sign(null, Buffer.from(canonicalJson(body)), signer.privateKey).toString('base64');
  return { ...body, signature: { algorithm: 'Ed25519', publicKey: signer.publicKey, keyFingerprint: signer.fingerprint, value } };
}

/** The key the manifest names, if its signature over the body holds; undefined when it does not. */
export function signatureKey(manifest: Manifest): KeyObject | undefined {
  try {
    const publicKey = createPublicKey({ key: Buffer.from(manifest.signature.publicKey, 'base64'), format: 'der', type: 'spki' });
    return verify(null, Buffer.from(canonicalJson(bodyOf(manifest))), publicKey, Buffer.from(manifest.signature.value, 'base64')) ? publicKey : undefined;
  } catch {
    return undefined;
  }
}

/** What a folder holds besides regular files and folders: a symbolic link, a socket, a FIFO, a device. */
export interface OddEntry {
  readonly path: string;
  readonly kind: string;
}

const kindOf = (entry: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean }) =>
  entry.isSymbolicLink() ? 'a symbolic link' : entry.isFIFO() ? 'a FIFO' : entry.isSocket() ? 'a socket' : 'a device';

/**
 * Every regular file under `dir` except its manifest.json (left-over `*.tmp`
 * files included: nothing chaoslab seals may hide among them), sorted, with `/`
 * separators; and every entry that is neither a file nor a folder, which a
 * sealed folder never holds (a link can point anywhere, and change later).
 */
export async function scanFolder(dir: string): Promise<{ files: string[]; odd: OddEntry[] }> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const pathOf = (entry: (typeof entries)[number]) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/');
  const files = entries.filter((entry) => entry.isFile()).map(pathOf).filter((path) => path !== MANIFEST_FILE).sort();
  const odd = entries.filter((entry) => !entry.isFile() && !entry.isDirectory()).map((entry) => ({ path: pathOf(entry), kind: kindOf(entry) }));
  return { files, odd: odd.sort((a, b) => (a.path < b.path ? -1 : 1)) };
}

export async function listFiles(dir: string): Promise<string[]> {
  return (await scanFolder(dir)).files;
}

/** Count and last-line hash of an event log as it is on disk (a cut-short last line is not an event). */
export function describeLog(bytes: Buffer, path: string): ManifestLog {
  const scan = new LogScan();
  scan.read(bytes);
  return logOf(scan, path);
}

const logOf = (scan: LogScan, path: string): ManifestLog => ({ path, runId: scan.runId, events: scan.events, lastEventHash: scan.lastEventHash });

export interface SealOptions {
  readonly kind: ManifestBody['kind'];
  readonly runId: string;
  readonly status?: string;
  readonly argv: readonly string[];
  readonly version: string;
  /** Event logs in the folder, relative paths. */
  readonly logs: readonly string[];
  readonly sources?: readonly ManifestSource[];
  readonly signer: ManifestSigner;
  /** Write the manifest unsigned, saying why: `report` will not sign over a folder it cannot vouch for. */
  readonly unsigned?: string;
  readonly now?: Date;
}

/**
 * Size and SHA-256 of one file of the folder (and what the manifest records of
 * it when it is an event log): from the digest its writer recorded while the
 * file is still the one written (core/artifact-file.ts), else read from disk.
 */
async function describeFile(dir: string, path: string, isLog: boolean): Promise<{ artifact: ManifestArtifact; log?: ManifestLog }> {
  const recorded = await writtenDigest(join(dir, path));
  const artifact = recorded && { path, size: recorded.size, sha256: recorded.sha256 };
  if (artifact && !isLog) return { artifact };
  if (artifact && recorded.log) return { artifact, log: { path, runId: recorded.log.runId, events: recorded.log.lines, lastEventHash: recorded.log.lastLineSha256 } };
  const scan = isLog ? new LogScan() : undefined;
  const read = { path, ...(await digestFile(join(dir, path), scan?.read)) };
  return { artifact: read, ...(scan && { log: logOf(scan, path) }) };
}

/** Hashes every file of `dir` (or takes the digest its writer recorded), signs the manifest (unless told why not) and writes it atomically. */
export async function writeManifest(dir: string, options: SealOptions): Promise<Manifest | UnsignedManifest> {
  const artifacts: ManifestArtifact[] = [];
  const logs: ManifestLog[] = [];
  for (const path of await listFiles(dir)) {
    const { artifact, log } = await describeFile(dir, path, options.logs.includes(path));
    artifacts.push(artifact);
    if (log) logs.push(log);
  }
  const body: ManifestBody = {
    format: MANIFEST_FORMAT,
    kind: options.kind,
    runId: options.runId,
    folder: basename(resolve(dir)),
    ...(options.status !== undefined && { status: options.status }),
    createdAt: (options.now ?? new Date()).toISOString(),
    chaoslabVersion: options.version,
    // a URL's password or a secret typed on the command line must not be signed into the evidence
    argv: options.argv.map((arg) => redact(arg)),
    logs,
    artifacts,
    sources: options.sources ?? [],
  };
  const manifest = options.unsigned === undefined ? signManifest(body, options.signer) : { ...body, unsigned: options.unsigned };
  const target = join(dir, MANIFEST_FILE);
  await writeFileAtomic(target, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

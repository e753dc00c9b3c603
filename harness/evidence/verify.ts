import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { sha256Hex } from './chain.js';
import { digestFile } from './digest.js';
import { fingerprintOf } from './keys.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, scanFolder, signatureKey, type Manifest, type ManifestSource } from './manifest.js';
import { verifyChain } from './verify-chain.js';
import { errorMessage } from '../core/errors.js';

/**
 * `chaoslab verify`: checks a run folder against its manifest — the signature
 * (and, when pinned, that every manifest in it, sources included, was signed by
 * an expected key), the folder's name, each event log's chain, every file's
 * size and hash, files, links and anything else added since, and the manifests
 * it was made from, recursively. The problems come in that order; the first
 * names the first broken thing.
 */
export interface VerifyResult {
  readonly problems: readonly string[];
  readonly manifest?: Manifest;
  /** Every manifest's signer: the folder's own first, then its sources'. */
  readonly signers: readonly Signer[];
  /** Facts for the success line: events per log, files, signers. */
  readonly summary: string;
}

export interface Signer {
  readonly manifest: string;
  readonly fingerprint: string;
}

export interface VerifyOptions {
  /** Fingerprints (`SHA256:…`) of the keys every manifest must be signed with; none: integrity only. */
  readonly pins?: readonly string[];
}

/** Source manifests reference their own sources; a chain longer than this is not one chaoslab wrote. */
const MAX_SOURCE_DEPTH = 64;

function readManifest(text: string, label = MANIFEST_FILE): Manifest | string {
  try {
    const manifest = JSON.parse(text) as Manifest & { unsigned?: unknown };
    if (manifest.format !== MANIFEST_FORMAT) return `${label} is not a chaoslab manifest (format ${JSON.stringify(manifest.format)})`;
    if (!manifest.signature && typeof manifest.unsigned === 'string') return `${label} is not signed: ${manifest.unsigned}`;
    if (!manifest.signature || !Array.isArray(manifest.artifacts) || !Array.isArray(manifest.logs) || !Array.isArray(manifest.sources)) return `${label} lacks its signature, artifacts, logs or sources`;
    return manifest;
  } catch (error) {
    return `${label} is not valid JSON (${errorMessage(error)}): it was altered`;
  }
}

const expectedKeys = (pins: readonly string[]) => (pins.length === 1 ? `the expected ${pins[0]}` : `any of the expected keys ${pins.join(', ')}`);

function signatureProblems(manifest: Manifest, label: string, pins: readonly string[]): string[] {
  const key = signatureKey(manifest);
  if (!key) return [`${label}: the signature does not match its contents (the manifest was edited or its signature replaced)`];
  const fingerprint = fingerprintOf(key);
  if (fingerprint !== manifest.signature.keyFingerprint) return [`${label}: the key fingerprint it states (${manifest.signature.keyFingerprint}) is not its key's (${fingerprint})`];
  if (pins.length && !pins.includes(fingerprint)) return [`${label} is signed by key ${fingerprint}, not by ${expectedKeys(pins)}`];
  return [];
}

/** A path a manifest lists must stay inside the folder. */
const inside = (path: string) => path !== '' && !path.startsWith('/') && !path.split('/').includes('..') && !path.includes('\\');

/**
 * The folder must carry the name it was sealed under: a genuine run's folder
 * renamed to this run's id (or copied in its place) has a valid signature, so
 * only its name gives it away. Links are followed (`reports/latest`).
 */
function folderProblem(dir: string, manifest: Manifest): string | undefined {
  const expected = manifest.folder ?? (manifest.kind === 'run' ? manifest.runId : undefined);
  if (expected === undefined) return undefined;
  const actual = basename(realpathSync(dir));
  if (actual === expected) return undefined;
  return `the folder is named ${actual}, but ${MANIFEST_FILE} sealed a folder named ${expected} (run ${manifest.runId}): it was renamed, or another run's folder was put in its place`;
}

async function fileProblems(dir: string, manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const artifact of manifest.artifacts) {
    listed.add(artifact.path);
    if (!inside(artifact.path)) {
      problems.push(`${MANIFEST_FILE} lists ${artifact.path}, a path outside the folder`);
      continue;
    }
    const path = join(dir, artifact.path);
    if (!existsSync(path)) {
      problems.push(`${artifact.path} is missing (the manifest lists it)`);
      continue;
    }
    const { size, sha256 } = await digestFile(path);
    if (sha256 === artifact.sha256 && size === artifact.size) continue;
    // a changed run.json may be another run's: say so rather than just "modified"
    const runId = artifact.path === 'run.json' ? runIdOf(await readFile(path)) : undefined;
    if (runId !== undefined && runId !== manifest.runId) problems.push(`run.json belongs to run ${runId}, not ${manifest.runId}: it was swapped in from another run`);
    else problems.push(`${artifact.path} was modified: ${size} bytes, sha256 ${sha256}; the manifest lists ${artifact.size} bytes, sha256 ${artifact.sha256}`);
  }
  const { files, odd } = await scanFolder(dir);
  for (const path of files) if (!listed.has(path)) problems.push(`${path} is not in the manifest: it was added after the run was sealed`);
  for (const entry of odd) problems.push(`${entry.path} is ${entry.kind}: a sealed folder holds only regular files, so it was put there after the run was sealed`);
  return problems;
}

function runIdOf(bytes: Buffer): string | undefined {
  try {
    const runId = (JSON.parse(bytes.toString('utf8')) as { runId?: unknown }).runId;
    return typeof runId === 'string' ? runId : undefined;
  } catch {
    return undefined;
  }
}

interface SourceWalk {
  readonly pins: readonly string[];
  readonly signers: Signer[];
  readonly seen: Set<string>;
}

/**
 * A source manifest must be the one referenced, validly signed (by an expected
 * key, when pinned), agree with the logs beside it, and its own sources too.
 * `dir` is the folder of the manifest that references it; `shown` its path as
 * printed (relative to the verified folder).
 */
async function sourceProblems(dir: string, shownDir: string, source: ManifestSource, walk: SourceWalk, depth: number): Promise<string[]> {
  const path = join(dir, source.path);
  const shown = posix.join(shownDir, source.path);
  const label = `source manifest ${shown}`;
  if (walk.seen.has(path) || depth > MAX_SOURCE_DEPTH) return [`${label} is referenced in a loop or too deep: chaoslab never writes that`];
  walk.seen.add(path);
  // the fingerprint the referencing manifest signed is checked even when the file itself is gone
  const recordedPin = walk.pins.length && !walk.pins.includes(source.keyFingerprint) ? [`${label} is signed by key ${source.keyFingerprint || '(none)'}, not by ${expectedKeys(walk.pins)}`] : [];
  if (!existsSync(path)) return [`${label} is missing`, ...recordedPin];
  const bytes = await readFile(path);
  if (sha256Hex(bytes) !== source.sha256) return [`${label} was modified since this manifest referenced it`, ...recordedPin];
  const manifest = readManifest(bytes.toString('utf8'), label);
  if (typeof manifest === 'string') return [manifest];
  walk.signers.push({ manifest: shown, fingerprint: manifest.signature.keyFingerprint });
  const problems = signatureProblems(manifest, label, walk.pins);
  const base = dirname(path);
  for (const log of manifest.logs) {
    const copy = join(base, log.path);
    const listed = manifest.artifacts.find((a) => a.path === log.path);
    if (!listed || !inside(log.path) || !existsSync(copy)) continue;
    if ((await digestFile(copy)).sha256 !== listed.sha256) problems.push(`${posix.join(posix.dirname(shown), log.path)} differs from the log its ${label} signed`);
  }
  for (const inner of manifest.sources) problems.push(...(await sourceProblems(base, posix.dirname(shown), inner, walk, depth + 1)));
  return problems;
}

function summaryOf(manifest: Manifest, signers: readonly Signer[], pinned: boolean): string {
  const events = manifest.logs.map((log) => `${log.path}: ${log.events} events chained`).join('; ');
  const sources = signers.slice(1).map((s) => `${s.fingerprint} (${s.manifest})`);
  const signedBy = `signed by ${manifest.signature.keyFingerprint}${sources.length ? `; its source manifests by ${sources.join(', ')}` : ''}`;
  const trust = pinned ? ' — every signer is an expected key' : ' — integrity only, signer not checked: pass --public-key to check who signed';
  return `${manifest.kind} ${manifest.runId}: ${events || 'no event log in this folder'}; ${manifest.artifacts.length} files; ${manifest.sources.length} source manifest(s); ${signedBy}${trust}`;
}

export async function verifyFolder(dir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const pins = options.pins ?? [];
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) return { problems: [`${MANIFEST_FILE} is missing: the folder was never sealed, or the manifest was removed`], signers: [], summary: '' };
  if (lstatSync(manifestPath).isSymbolicLink()) return { problems: [`${MANIFEST_FILE} is a symbolic link: a sealed folder holds only regular files`], signers: [], summary: '' };
  const manifest = readManifest(await readFile(manifestPath, 'utf8'));
  if (typeof manifest === 'string') return { problems: [manifest], signers: [], summary: '' };
  const signers: Signer[] = [{ manifest: MANIFEST_FILE, fingerprint: manifest.signature.keyFingerprint }];
  const problems = signatureProblems(manifest, MANIFEST_FILE, pins);
  const renamed = folderProblem(dir, manifest);
  if (renamed) problems.push(renamed);
  for (const log of manifest.logs) {
    const path = join(dir, log.path);
    if (!inside(log.path) || !existsSync(path)) continue; // reported with the files
    const broken = verifyChain(await readFile(path, 'utf8'), log);
    if (broken) problems.push(`${log.path}: ${broken}`);
  }
  problems.push(...(await fileProblems(dir, manifest)));
  const walk: SourceWalk = { pins, signers, seen: new Set([manifestPath]) };
  for (const source of manifest.sources) problems.push(...(await sourceProblems(dir, '.', source, walk, 1)));
  return { problems, manifest, signers, summary: summaryOf(manifest, signers, pins.length > 0) };
}

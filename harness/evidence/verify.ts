import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { sha256Hex } from './chain.js';
import { digestFile } from './digest.js';
import { fingerprintOf } from './keys.js';
import { listFiles, MANIFEST_FILE, MANIFEST_FORMAT, signatureKey, type Manifest, type ManifestSource } from './manifest.js';
import { verifyChain } from './verify-chain.js';
import { errorMessage } from '../core/errors.js';

/**
 * `chaoslab verify`: checks a run folder against its manifest — the signature
 * (and, when pinned, whose key made it), each event log's chain, every file's
 * size and hash, files added since, and the manifests it was made from. The
 * problems come in that order; the first names the first broken thing.
 */
export interface VerifyResult {
  readonly problems: readonly string[];
  readonly manifest?: Manifest;
  /** Facts for the success line: events per log, files, signer. */
  readonly summary: string;
}

function readManifest(text: string): Manifest | string {
  try {
    const manifest = JSON.parse(text) as Manifest;
    if (manifest.format !== MANIFEST_FORMAT) return `${MANIFEST_FILE} is not a chaoslab manifest (format ${JSON.stringify(manifest.format)})`;
    if (!manifest.signature || !Array.isArray(manifest.artifacts) || !Array.isArray(manifest.logs)) return `${MANIFEST_FILE} lacks its signature, artifacts or logs`;
    return manifest;
  } catch (error) {
    return `${MANIFEST_FILE} is not valid JSON (${errorMessage(error)}): it was altered`;
  }
}

function signatureProblems(manifest: Manifest, label: string, pin?: string): string[] {
  const key = signatureKey(manifest);
  if (!key) return [`${label}: the signature does not match its contents (the manifest was edited or its signature replaced)`];
  const fingerprint = fingerprintOf(key);
  if (fingerprint !== manifest.signature.keyFingerprint) return [`${label}: the key fingerprint it states (${manifest.signature.keyFingerprint}) is not its key's (${fingerprint})`];
  if (pin && fingerprint !== pin) return [`${label} is signed by key ${fingerprint}, not by the expected ${pin}`];
  return [];
}

async function fileProblems(dir: string, manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const artifact of manifest.artifacts) {
    listed.add(artifact.path);
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
  for (const path of await listFiles(dir)) if (!listed.has(path)) problems.push(`${path} is not in the manifest: it was added after the run was sealed`);
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

/** A source manifest must be the one referenced, validly signed, and agree with the logs beside it. */
async function sourceProblems(dir: string, source: ManifestSource): Promise<string[]> {
  const path = join(dir, source.path);
  if (!existsSync(path)) return [`source manifest ${source.path} is missing`];
  const bytes = await readFile(path);
  if (sha256Hex(bytes) !== source.sha256) return [`source manifest ${source.path} was modified since this manifest referenced it`];
  const manifest = readManifest(bytes.toString('utf8'));
  if (typeof manifest === 'string') return [`source ${manifest}`];
  const problems = signatureProblems(manifest, `source manifest ${source.path}`);
  const base = posix.dirname(source.path);
  for (const log of manifest.logs) {
    const copy = join(dir, base, log.path);
    const listed = manifest.artifacts.find((a) => a.path === log.path);
    if (!listed || !existsSync(copy)) continue;
    if ((await digestFile(copy)).sha256 !== listed.sha256) problems.push(`${posix.join(base, log.path)} differs from the log its source manifest ${source.path} signed`);
  }
  return problems;
}

export async function verifyFolder(dir: string, options: { pin?: string } = {}): Promise<VerifyResult> {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) return { problems: [`${MANIFEST_FILE} is missing: the folder was never sealed, or the manifest was removed`], summary: '' };
  const manifest = readManifest(await readFile(manifestPath, 'utf8'));
  if (typeof manifest === 'string') return { problems: [manifest], summary: '' };
  const problems = signatureProblems(manifest, MANIFEST_FILE, options.pin);
  for (const log of manifest.logs) {
    const path = join(dir, log.path);
    if (!existsSync(path)) continue; // reported with the files
    const broken = verifyChain(await readFile(path, 'utf8'), log);
    if (broken) problems.push(`${log.path}: ${broken}`);
  }
  problems.push(...(await fileProblems(dir, manifest)));
  for (const source of manifest.sources) problems.push(...(await sourceProblems(dir, source)));
  const events = manifest.logs.map((log) => `${log.path}: ${log.events} events chained`).join('; ');
  const summary = `${manifest.kind} ${manifest.runId}: ${events || 'no event log in this folder'}; ${manifest.artifacts.length} files; ${manifest.sources.length} source manifest(s); signed by ${manifest.signature.keyFingerprint}${options.pin ? ' (the expected key)' : ' (key not pinned: pass --public-key to check who signed)'}`;
  return { problems, manifest, summary };
}

import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { sha256Hex } from './chain.js';
import type { ManifestSigner } from './keys.js';
import { MANIFEST_FILE, writeManifest, type Manifest, type ManifestSource, type UnsignedManifest } from './manifest.js';
import type { SourceTrust } from './trust.js';

/**
 * When each command writes its manifest: `run` at the end of every run
 * (completed, interrupted or stopped by an engine error); `report` after a
 * re-render, referencing the run's manifest; `report merge` after copying each
 * shard's event log and manifest into the merged folder, so the shards' chains
 * and signatures travel with the merged scorecard.
 */
export interface SealContext {
  readonly signer: ManifestSigner;
  readonly argv: readonly string[];
  readonly version: string;
  /** Set when `report` will not vouch for its source (evidence/trust.ts): the manifest is written unsigned, saying why. */
  readonly unsigned?: string;
}

const EVENTS_FILE = 'events.jsonl';

export async function sealRun(runDir: string, run: { runId: string; status: string }, context: SealContext): Promise<Manifest | UnsignedManifest> {
  return writeManifest(runDir, { kind: 'run', runId: run.runId, status: run.status, logs: [EVENTS_FILE], ...context });
}

async function sourceOf(manifestPath: string, referencedAs: string): Promise<ManifestSource> {
  const bytes = await readFile(manifestPath);
  const manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  return { path: referencedAs, sha256: sha256Hex(bytes), runId: manifest.runId, keyFingerprint: manifest.signature?.keyFingerprint ?? '' };
}

const portable = (path: string) => path.split(sep).join('/');

/**
 * A re-render of the run in `sourceDir` into `outDir`. Rendering in place keeps
 * the run's manifest beside the new one (`manifest-<time>.json`); rendering
 * elsewhere references it by its relative path.
 */
export async function sealReport(outDir: string, sourceDir: string, run: { runId: string; status: string }, context: SealContext): Promise<Manifest | UnsignedManifest> {
  const previous = join(sourceDir, MANIFEST_FILE);
  const sources: ManifestSource[] = [];
  if (existsSync(previous)) {
    if (outDir === sourceDir) {
      const kept = `manifest-${new Date().toISOString().replace(/[-:.]/g, '')}.json`;
      await rename(previous, join(outDir, kept));
      sources.push(await sourceOf(join(outDir, kept), kept));
    } else {
      sources.push(await sourceOf(previous, portable(relative(outDir, previous))));
    }
  }
  const logs = existsSync(join(outDir, EVENTS_FILE)) ? [EVENTS_FILE] : [];
  return writeManifest(outDir, { kind: 'report', runId: run.runId, status: run.status, logs, sources, ...context });
}

/** Copies each shard's events.jsonl (and its manifest, when it has one) to `<out>/shards/<run-id>/`, then seals the merged folder. */
export async function sealMerge(outDir: string, shards: readonly { runId: string; log?: string }[], merged: { runId: string; status: string }, context: SealContext): Promise<Manifest | UnsignedManifest> {
  const logs: string[] = [];
  const sources: ManifestSource[] = [];
  for (const shard of shards) {
    if (!shard.log) continue;
    const folder = join('shards', shard.runId.replace(/[^A-Za-z0-9._-]+/g, '_'));
    await mkdir(join(outDir, folder), { recursive: true });
    await copyFile(shard.log, join(outDir, folder, EVENTS_FILE));
    logs.push(`${folder}/${EVENTS_FILE}`);
    const manifest = join(dirname(shard.log), MANIFEST_FILE);
    if (basename(shard.log) === EVENTS_FILE && existsSync(manifest)) {
      await copyFile(manifest, join(outDir, folder, MANIFEST_FILE));
      sources.push(await sourceOf(join(outDir, folder, MANIFEST_FILE), `${folder}/${MANIFEST_FILE}`));
    }
  }
  return writeManifest(outDir, { kind: 'merge', runId: merged.runId, status: merged.status, logs, sources, ...context });
}

/**
 * What the command prints once a manifest is written: where, and the key an
 * auditor should pin; for a re-render or merge, every key that signed what it
 * was made from too. An unsigned manifest says why it was not signed.
 */
export function sealedMessage(dir: string, signer: ManifestSigner, trust?: SourceTrust): string {
  const path = join(dir, MANIFEST_FILE);
  if (trust && 'unsigned' in trust) return `wrote ${path} UNSIGNED: ${trust.unsigned}; \`chaoslab verify\` will fail on this folder\n`;
  const created = signer.created ? ' (created now: keep it, and hand its public key to whoever verifies)' : '';
  const sources = trust?.signers.length ? `; made from manifests signed by ${[...new Set(trust.signers.map((s) => s.fingerprint))].join(', ')}` : '';
  return `signed ${path} with ${signer.origin}${created}: key ${signer.fingerprint}, public key ${signer.publicKey}${sources}\n`;
}

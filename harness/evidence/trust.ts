import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChaoslabError } from '../core/errors.js';
import { MANIFEST_FILE } from './manifest.js';
import { verifyFolder, type Signer } from './verify.js';

/**
 * Whether `report` may sign what it renders from a folder. A signature says
 * "chaoslab vouches for these events": re-signing a folder nobody can vouch for
 * would launder it (flip a verdict, re-chain, re-sign with any key, and the
 * lab's key would sign over it). So:
 *
 * - a sealed folder must verify whole — chain, files, name, and every manifest
 *   in it (sources included) signed by a trusted key — or `report` refuses
 *   (CHAOSLAB_EVIDENCE, exit 2) and writes nothing;
 * - a folder that was never sealed (a crashed run, a log from before evidence
 *   existed, a loose events.jsonl) is rendered, and its new manifest is written
 *   unsigned, saying why, so `verify` fails on it with that reason; rendering
 *   such a folder again keeps it unsigned, for the same reason.
 */
export type SourceTrust = { readonly signers: readonly Signer[] } | { readonly unsigned: string };

export async function trustSource(dir: string, trusted: readonly string[], what = dir): Promise<SourceTrust> {
  if (!existsSync(join(dir, MANIFEST_FILE))) {
    return { unsigned: `it was rendered from ${what}, which was never sealed (no ${MANIFEST_FILE}: a crashed run, or a log from elsewhere), so chaoslab cannot vouch for its events` };
  }
  const earlier = unsignedReason(join(dir, MANIFEST_FILE));
  if (earlier !== undefined) return { unsigned: earlier };
  const result = await verifyFolder(dir, { pins: trusted });
  if (!result.problems.length) return { signers: result.signers };
  const [first, ...rest] = result.problems;
  throw new ChaoslabError(
    'CHAOSLAB_EVIDENCE',
    `refusing to re-render and sign ${what}: its evidence does not verify against the trusted key(s) ${trusted.join(', ')}: ${first}${rest.length ? ` (and ${rest.length} more problem(s))` : ''}. ` +
      `See \`chaoslab verify ${dir}\`; a folder genuinely signed by another key of yours is trusted with --trust-key <that key>`,
  );
}

/** The reason an unsigned manifest (one `report` wrote) gives; undefined for any other file. */
function unsignedReason(path: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { signature?: unknown; unsigned?: unknown };
    return manifest.signature === undefined && typeof manifest.unsigned === 'string' ? manifest.unsigned : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Several sources (a merge's shards): refused when one does not verify, else
 * unsigned when one cannot be vouched for (`dir` undefined: a log that is not
 * a sealed folder's events.jsonl).
 */
export async function trustSources(sources: readonly { dir?: string; what: string }[], trusted: readonly string[]): Promise<SourceTrust> {
  const signers: Signer[] = [];
  let unsigned: string | undefined;
  for (const { dir, what } of sources) {
    const trust = dir === undefined ? { unsigned: `it was rendered from ${what}, which is not the events.jsonl of a sealed run folder, so chaoslab cannot vouch for its events` } : await trustSource(dir, trusted, what);
    if ('unsigned' in trust) unsigned ??= trust.unsigned;
    else signers.push(...trust.signers);
  }
  return unsigned === undefined ? { signers } : { unsigned };
}

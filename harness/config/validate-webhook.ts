import type { ConfigIssue } from '../core/errors.js';
import type { SourceDocument } from './catalogue.js';
import type { LabConfig } from './lab-schema.js';
import { issueAt } from './load-issues.js';

/** Webhook observers that accept unsigned events: any local process (or web page that finds the port) could post a heal. */
export function unsignedWebhooks(lab: LabConfig): string[] {
  return lab.observers.flatMap((observer) => (observer.kind === 'webhook' && observer.secret === undefined ? [observer.name] : []));
}

/** A warning per unsigned webhook observer, at its `insecure_unsigned` line. */
export function unsignedWebhookWarnings(lab: LabConfig, source: SourceDocument): ConfigIssue[] {
  return lab.observers.flatMap((observer, index) =>
    observer.kind === 'webhook' && observer.secret === undefined
      ? [issueAt(source, ['observers', index, 'insecure_unsigned'], `webhook observer ${observer.name} accepts unsigned events: any local process can post a heal, and every report of the run says so; set \`secret\` outside a throw-away lab`)]
      : [],
  );
}

/** Standard Webhooks keys are 24 to 64 random bytes; fewer is guessable offline from one captured request. */
export const MIN_WHSEC_KEY_BYTES = 24;
/** A secret that is not `whsec_…` is used as its UTF-8 bytes, so it needs more characters for as many bits. */
export const MIN_PLAIN_SECRET_CHARS = 32;
/** Fewer distinct characters than this is a pattern (`aaaa…`, `abab…`), not a random secret. */
const MIN_DISTINCT = 8;

const EXPECTED = `expected whsec_ and the base64 of at least ${MIN_WHSEC_KEY_BYTES} random bytes (e.g. whsec_$(openssl rand -base64 32)), or a random string of at least ${MIN_PLAIN_SECRET_CHARS} characters`;

/**
 * Why a resolved webhook signing secret is too weak to sign with, or undefined.
 * Anyone who can guess the key can post a signed heal; an empty one (a `file:`
 * pointing at an empty file) signs with no key at all.
 */
export function weakWebhookSecret(secret: string): string | undefined {
  if (secret === '') return `is empty: ${EXPECTED}`;
  if (secret.startsWith('whsec_')) {
    const encoded = secret.slice('whsec_'.length);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return `is whsec_ followed by something that is not base64: ${EXPECTED}`;
    const key = Buffer.from(encoded, 'base64');
    if (key.length < MIN_WHSEC_KEY_BYTES) return `is a key of ${key.length} byte${key.length === 1 ? '' : 's'}: ${EXPECTED}`;
    if (new Set(key).size < MIN_DISTINCT) return `is a key of ${new Set(key).size} distinct byte values, a pattern rather than random bytes: ${EXPECTED}`;
    return undefined;
  }
  const characters = [...secret];
  if (characters.length < MIN_PLAIN_SECRET_CHARS) return `has ${characters.length} characters: ${EXPECTED}`;
  if (new Set(characters).size < MIN_DISTINCT) return `has ${new Set(characters).size} distinct characters, a pattern rather than a random string: ${EXPECTED}`;
  return undefined;
}

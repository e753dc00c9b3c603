import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * OpenSSH known_hosts, read-only: plain host patterns (with `*`, `?` and `!`
 * negation), the `[host]:port` form for non-standard ports, hashed `|1|salt|hmac`
 * entries and `@revoked` markers. `@cert-authority` lines are skipped: chaoslab
 * pins host keys, it does not validate host certificates.
 */
export interface KnownHostLine {
  readonly lineNumber: number;
  readonly patterns: readonly string[];
  readonly keyType: string;
  readonly key: Buffer;
  readonly revoked: boolean;
}

export interface PinnedKeys {
  /** Keys accepted for the host. */
  readonly accepted: readonly { keyType: string; key: Buffer }[];
  /** Keys explicitly revoked (`@revoked`): never accepted, whatever else matches. */
  readonly revoked: readonly Buffer[];
}

export function parseKnownHosts(text: string): KnownHostLine[] {
  const lines: KnownHostLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]?.startsWith('@')) {
      const marker = fields.shift();
      if (marker !== '@revoked') return;
      revoked = true;
    }
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64 || !/^[A-Za-z0-9+/]+=*$/.test(keyBase64)) return;
    lines.push({ lineNumber: index + 1, patterns: hosts.split(','), keyType, key: Buffer.from(keyBase64, 'base64'), revoked });
  });
  return lines;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

export function pinnedKeysFor(lines: readonly KnownHostLine[], address: string, port: number): PinnedKeys {
  const name = knownHostsName(address, port);
  const matching = lines.filter((line) => lineMatches(line.patterns, name));
  return {
    accepted: matching.filter((line) => !line.revoked).map(({ keyType, key }) => ({ keyType, key })),
    revoked: matching.filter((line) => line.revoked).map((line) => line.key),
  };
}

function lineMatches(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (!patternMatches(body, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) return hashedMatches(pattern, name);
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`, 'i');
  return regex.test(name);
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as written by `ssh-keygen -H`. */
function hashedMatches(pattern: string, name: string): boolean {
  const [, , saltBase64, hashBase64] = pattern.split('|');
  if (!saltBase64 || !hashBase64) return false;
  const expected = Buffer.from(hashBase64, 'base64');
  const actual = createHmac('sha1', Buffer.from(saltBase64, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Host-key types ssh2 can verify; anything else in known_hosts cannot be offered. */
const SUPPORTED_KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];

/** The server host-key algorithms to offer so that the server presents a key we have pinned. */
export function hostKeyAlgorithms(keyTypes: Iterable<string>): string[] {
  const algorithms = new Set<string>();
  for (const keyType of keyTypes) {
    if (!SUPPORTED_KEY_TYPES.includes(keyType)) continue;
    if (keyType === 'ssh-rsa') ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'].forEach((a) => algorithms.add(a));
    else algorithms.add(keyType);
  }
  return [...algorithms];
}

/** `SHA256:…` as printed by `ssh-keygen -lf`. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

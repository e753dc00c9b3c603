import { createHash } from 'node:crypto';
import { ChaoslabError } from '../core/errors.js';
import type { PlannedAttempt, ShardSpec } from './plan-types.js';

/** `--shard i/n`: 1 ≤ i ≤ n, both whole numbers. */
export function parseShard(text: string): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count) {
    throw new ChaoslabError('CHAOSLAB_USAGE', `--shard must be i/n with 1 ≤ i ≤ n, like 2/4 (got ${JSON.stringify(text)})`);
  }
  return { index, count };
}

function stableHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** A bundle run is one unit: its members are injected together, so they never split across shards. */
function shardUnitKey(attempt: PlannedAttempt): string {
  return attempt.bundleRunId ?? attempt.attemptId;
}

/**
 * Keeps the attempts of shard `index` of `count`. Units are ordered by a stable hash
 * of their key and dealt round-robin, so every machine computing the same plan agrees,
 * the shards are disjoint and together complete, and their sizes differ by at most one unit.
 */
export function applyShard(attempts: readonly PlannedAttempt[], shard: ShardSpec): PlannedAttempt[] {
  const keys = [...new Set(attempts.map(shardUnitKey))];
  const ordered = keys
    .map((key) => ({ key, hash: stableHash(key) }))
    .sort((a, b) => (a.hash === b.hash ? a.key.localeCompare(b.key) : a.hash < b.hash ? -1 : 1));
  const mine = new Set(ordered.filter((_, position) => position % shard.count === shard.index - 1).map((unit) => unit.key));
  return attempts.filter((attempt) => mine.has(shardUnitKey(attempt)));
}

import { existsSync, readlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ChaoslabError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { pointLatestAt } from '../events/writer.js';
import type { JournalEntry } from '../journal/journal.js';
import { updateIndex, type RunIndexEntry } from './index.js';

/**
 * Retention for reports/: which runs `report prune` removes, and the removal
 * itself (run folders, then index.json rebuilt and reports/latest re-pointed, so
 * history, trends and `--baseline previous` only ever see runs that exist).
 * A run with revert-journal entries still pending is never removed: its events
 * are what tells someone which fault is still on a host.
 */
export interface PrunePolicy {
  /** Keep this many newest runs. */
  readonly keep?: number;
  /** Remove runs started longer ago than this (ms). */
  readonly olderThanMs?: number;
}

export interface PrunePlan {
  readonly remove: readonly RunIndexEntry[];
  /** Runs the policy would remove that still have pending reverts. */
  readonly pending: readonly { readonly entry: RunIndexEntry; readonly entries: number }[];
  readonly kept: number;
}

const DAY_MS = 86_400_000;

/** `30d`, `2w`, `12h`, `90m`: how old a run must be to be pruned. */
export function parseAge(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(d|w)$/.exec(text.trim());
  const ms = match ? Number(match[1]) * (match[2] === 'w' ? 7 : 1) * DAY_MS : parseDuration(text);
  if (ms === undefined || !(ms > 0)) throw new ChaoslabError('CHAOSLAB_USAGE', `--older-than ${JSON.stringify(text)}: give an age like 30d, 2w or 12h`);
  return ms;
}

/**
 * Runs (newest first, as in the index) the policy removes. With both limits a
 * run goes only when both say so: pruning never removes more than either alone.
 */
export function planPrune(runs: readonly RunIndexEntry[], policy: PrunePolicy, pendingByRun: ReadonlyMap<string, number>, now: number): PrunePlan {
  if (policy.keep === undefined && policy.olderThanMs === undefined) throw new ChaoslabError('CHAOSLAB_USAGE', 'report prune needs --keep <n> or --older-than <age> (or both)');
  const candidates = runs.filter((run, index) => (policy.keep === undefined || index >= policy.keep) && (policy.olderThanMs === undefined || now - run.startedAtWall > policy.olderThanMs));
  const pending = candidates.filter((run) => pendingByRun.has(run.runId)).map((entry) => ({ entry, entries: pendingByRun.get(entry.runId)! }));
  const remove = candidates.filter((run) => !pendingByRun.has(run.runId));
  return { remove, pending, kept: runs.length - remove.length };
}

/** Pending reverts per run id. An entry that cannot be read still protects the run its file name starts with. */
export function pendingRuns(entries: readonly JournalEntry[], unreadable: readonly { file: string }[], runIds: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (runId: string) => counts.set(runId, (counts.get(runId) ?? 0) + 1);
  for (const entry of entries) add(entry.runId);
  for (const { file } of unreadable) {
    const name = basename(file);
    for (const runId of runIds) if (name.startsWith(`${runId.replace(/[^A-Za-z0-9._-]+/g, '_')}_`)) add(runId);
  }
  return counts;
}

/** Removes the planned run folders, rebuilds index.json and re-points reports/latest at the newest run left. */
export async function applyPrune(reportsRoot: string, plan: PrunePlan): Promise<RunIndexEntry[]> {
  for (const run of plan.remove) await rm(join(reportsRoot, run.dir), { recursive: true, force: true });
  const left = await updateIndex(reportsRoot);
  const latest = join(reportsRoot, 'latest');
  const target = latestTarget(latest);
  if (target !== undefined && (!existsSync(latest) || plan.remove.some((run) => run.dir === target))) {
    if (left[0]) pointLatestAt(reportsRoot, left[0].dir);
    else await rm(latest, { force: true });
  }
  return left;
}

function latestTarget(link: string): string | undefined {
  try {
    return readlinkSync(link);
  } catch {
    return undefined;
  }
}

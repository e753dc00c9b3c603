import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { RunModel } from '../model/run-model.js';
import { summarize } from '../model/summary.js';
import { isRunFolderName, loadRun, runFileIn } from './runs.js';

/**
 * reports/index.json: one line of figures per past run, newest first, so
 * trends and `report open` need not re-read every run. It is rebuilt from the
 * run folders (reports/<run-id>/run.json or events.jsonl) and only re-reads a
 * run whose file changed since it was indexed.
 */
export interface RunIndexEntry {
  readonly runId: string;
  /** folder name under reports/ */
  readonly dir: string;
  /** mtime of the file it was read from, to skip unchanged runs on the next scan */
  readonly mtimeMs: number;
  readonly startedAtWall: number;
  readonly status: RunModel['status'];
  readonly suite?: string;
  /** The lab's name: history compares runs of the same suite on the same lab. */
  readonly lab?: string;
  readonly shard?: string;
  readonly mergedFrom?: readonly string[];
  readonly total: number;
  readonly passed: number;
  readonly scored: number;
  readonly inconclusive: number;
}

export const INDEX_FILE = 'index.json';

export function indexEntry(model: RunModel, dir: string, mtimeMs: number): RunIndexEntry {
  const summary = summarize(model);
  return {
    runId: model.runId, dir, mtimeMs, startedAtWall: model.startedAtWall, status: model.status,
    ...(model.suite !== undefined ? { suite: model.suite } : {}), lab: model.lab, ...(model.shard !== undefined ? { shard: model.shard } : {}),
    ...(model.mergedFrom ? { mergedFrom: model.mergedFrom } : {}),
    total: summary.total, passed: summary.score.passed, scored: summary.score.scored, inconclusive: summary.verdicts.inconclusive,
  };
}

export async function readIndex(reportsRoot: string): Promise<RunIndexEntry[]> {
  const file = join(reportsRoot, INDEX_FILE);
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { runs?: RunIndexEntry[] };
    return Array.isArray(parsed.runs) ? parsed.runs : [];
  } catch {
    // A damaged index is only a cache: rebuild it from the run folders.
    return [];
  }
}

/** Scans reports/, re-reading only new or changed runs, and rewrites index.json atomically. */
export async function updateIndex(reportsRoot: string): Promise<RunIndexEntry[]> {
  if (!existsSync(reportsRoot)) return [];
  const known = new Map((await readIndex(reportsRoot)).map((e) => [e.dir, e]));
  const entries: RunIndexEntry[] = [];
  for (const name of (await readdir(reportsRoot, { withFileTypes: true })).filter((d) => d.isDirectory() && isRunFolderName(d.name)).map((d) => d.name)) {
    const file = runFileIn(join(reportsRoot, name), 'model');
    if (!file) continue;
    const mtimeMs = statSync(file).mtimeMs;
    const cached = known.get(name);
    // entries indexed before the lab was recorded are read again once
    if (cached && cached.mtimeMs === mtimeMs && cached.lab !== undefined) {
      entries.push(cached);
      continue;
    }
    try {
      entries.push(indexEntry((await loadRun(file, reportsRoot)).model, name, mtimeMs));
    } catch {
      // A folder that does not hold a readable run is not history; leave it out.
    }
  }
  entries.sort((a, b) => b.startedAtWall - a.startedAtWall);
  const target = join(reportsRoot, INDEX_FILE);
  await writeFileAtomic(target, `${JSON.stringify({ version: 1, runs: entries }, null, 2)}\n`);
  return entries;
}

/**
 * Earlier runs for trends, flaky detection and the default baseline, newest
 * first: runs of the same suite (and, when given, the same lab) that started
 * before `run`, at most `limit`. Shards are left out (their merged run stands for them).
 */
export async function loadHistory(reportsRoot: string, run: Pick<RunModel, 'runId' | 'suite' | 'startedAtWall'> & { readonly lab?: string }, limit = 10): Promise<RunModel[]> {
  if (limit <= 0) return [];
  const sameLab = (e: RunIndexEntry) => run.lab === undefined || e.lab === run.lab;
  const entries = (await updateIndex(reportsRoot)).filter((e) => e.runId !== run.runId && e.startedAtWall < run.startedAtWall && e.suite === run.suite && sameLab(e) && e.shard === undefined);
  const models: RunModel[] = [];
  for (const entry of entries.slice(0, limit)) models.push((await loadRun(join(reportsRoot, entry.dir), reportsRoot, 'model')).model);
  return models;
}

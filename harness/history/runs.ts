import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ChaoslabError, errorMessage } from '../core/errors.js';
import { foldLogFile } from '../events/fold.js';
import type { RunModel } from '../model/run-model.js';
import type { GateOptions } from './gates.js';

/**
 * Finds and loads a run: a run folder (its events.jsonl, the source of truth,
 * else its run.json), an events.jsonl, a run.json or report.json file, a run id
 * under reports/, or `latest`.
 */
export interface LoadedRun {
  readonly model: RunModel;
  /** The folder the run's files live in. */
  readonly dir: string;
  /** The file the model was read from. */
  readonly source: string;
}

async function readModelJson(file: string): Promise<RunModel> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ChaoslabError('CHAOSLAB_USAGE', `${file}: not a JSON run model (${errorMessage(error)})`);
  }
  // report.json wraps the model as { version, summary, run }; run.json is the model itself.
  const model = (parsed as { run?: unknown }).run ?? parsed;
  const m = model as Partial<RunModel>;
  if (typeof m.runId !== 'string' || !Array.isArray(m.attempts)) throw new ChaoslabError('CHAOSLAB_USAGE', `${file}: expected a run model with runId and attempts`);
  return model as RunModel;
}

async function loadFile(file: string): Promise<RunModel> {
  return file.endsWith('.jsonl') ? foldLogFile(file) : readModelJson(file);
}

/** The file a run folder is best read from: events.jsonl first (the source of truth), then run.json. */
export function runFileIn(dir: string, prefer: 'events' | 'model' = 'events'): string | undefined {
  const order = prefer === 'events' ? ['events.jsonl', 'run.json', 'report.json'] : ['run.json', 'report.json', 'events.jsonl'];
  return order.map((name) => join(dir, name)).find((path) => existsSync(path));
}

export function resolveRunFile(ref: string | undefined, reportsRoot: string, prefer: 'events' | 'model' = 'events'): { file: string; dir: string } {
  const candidates = ref === undefined ? [join(reportsRoot, 'latest')] : [ref, join(reportsRoot, ref)];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const path = resolve(candidate);
    if (statSync(path).isDirectory()) {
      const file = runFileIn(path, prefer);
      if (file) return { file, dir: path };
      continue;
    }
    return { file: path, dir: resolve(path, '..') };
  }
  const what = ref === undefined ? `${join(reportsRoot, 'latest')} (no run yet?)` : JSON.stringify(ref);
  throw new ChaoslabError('CHAOSLAB_USAGE', `no run found at ${what}: give a run folder with events.jsonl or run.json, an events.jsonl or run.json file, or a run id under ${reportsRoot}`);
}

export async function loadRun(ref: string | undefined, reportsRoot: string, prefer: 'events' | 'model' = 'events'): Promise<LoadedRun> {
  const { file, dir } = resolveRunFile(ref, reportsRoot, prefer);
  return { model: await loadFile(file), dir, source: file };
}

/** A folder name under reports/ that may hold a run (not `latest`, not dot-files). */
export function isRunFolderName(name: string): boolean {
  return name !== 'latest' && !name.startsWith('.') && basename(name) === name;
}

/** `--baseline previous`: the newest earlier run of the same suite (the default; `--no-history` turns it off). */
export const PREVIOUS_RUN = 'previous';

/**
 * The baseline a command compares with: the one asked for, else (history on, the
 * default) the previous run of the same suite and lab, silently absent on a first run.
 */
export function baselineRef(asked: string | undefined, historyOn: boolean): { ref: string | undefined; implicit: boolean } {
  if (asked !== undefined) return { ref: asked, implicit: false };
  return historyOn ? { ref: PREVIOUS_RUN, implicit: true } : { ref: undefined, implicit: false };
}

/** Resolves `--baseline <ref>`: a run reference, or `previous` (the first of `history`, newest first); undefined when there is none. */
export async function resolveBaseline(ref: string | undefined, reportsRoot: string, history: readonly RunModel[]): Promise<RunModel | undefined> {
  if (ref === undefined) return undefined;
  if (ref === PREVIOUS_RUN) return history[0];
  return (await loadRun(ref, reportsRoot, 'model')).model;
}

/**
 * Resolves the baseline for gating. `--baseline previous` on a suite's first
 * run has nothing to regress from: that is said (through `warn`) and the
 * regression gate is dropped rather than failed.
 */
export async function resolveBaselineForGates(
  ref: string | undefined,
  reportsRoot: string,
  history: readonly RunModel[],
  gates: GateOptions,
  warn: (message: string) => void,
  implicit = false,
): Promise<{ baseline?: RunModel; gates: GateOptions }> {
  const baseline = await resolveBaseline(ref, reportsRoot, history);
  if (ref !== PREVIOUS_RUN || baseline) return { ...(baseline && { baseline }), gates };
  const dropsRegression = gates.failOn?.includes('regression') ?? false;
  // a first run with history on by default is not worth a warning; the reports say "no history yet"
  if (!implicit || dropsRegression) warn(`--baseline previous: no earlier run of this suite under ${reportsRoot}; no baseline diff${dropsRegression ? ', regression gate skipped' : ''}`);
  return { gates: { ...gates, ...(gates.failOn && { failOn: gates.failOn.filter((k) => k !== 'regression') }) } };
}

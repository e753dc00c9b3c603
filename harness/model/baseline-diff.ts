import { groupByScenario } from './flaky.js';
import type { AttemptResult, RunModel } from './run-model.js';
import { percentile, score, type Score } from './summary.js';
import type { VerdictKind } from './verdict.js';

/**
 * The change from a baseline run to this one, per scenario on a host
 * (`scenarioId@host`, repeats pooled). Shared by every reporter and the gates.
 */
export interface ScenarioSide {
  readonly verdicts: readonly VerdictKind[];
  readonly score: Score;
  /** p50 time-to-restore of healed attempts */
  readonly restoreP50?: number;
}

export type ChangeKind = 'regression' | 'new_heal' | 'slower' | 'faster' | 'added' | 'removed' | 'not_comparable';

export interface ScenarioChange {
  readonly key: string;
  readonly scenarioId: string;
  readonly host: string;
  readonly change: ChangeKind;
  readonly before?: ScenarioSide;
  readonly after?: ScenarioSide;
  /** after − before restore p50, for timing changes */
  readonly restoreDeltaMs?: number;
}

export interface BaselineDiff {
  readonly baselineRunId: string;
  readonly before: Score;
  readonly after: Score;
  readonly changes: readonly ScenarioChange[];
  readonly counts: Readonly<Record<ChangeKind, number>>;
}

/** A timing change counts when p50 moved by at least this share of the SLA (and at least 5 s). */
const TIMING_SHARE_OF_SLA = 0.1;
const TIMING_MIN_MS = 5000;

function side(attempts: readonly AttemptResult[]): ScenarioSide {
  const restores = attempts
    .filter((a) => (a.verdict.kind === 'healed' || a.verdict.kind === 'healed_late') && a.timings.restoreMs !== undefined)
    .map((a) => a.timings.restoreMs!);
  const p50 = percentile(restores, 50);
  return { verdicts: attempts.map((a) => a.verdict.kind), score: score(attempts), ...(p50 !== undefined ? { restoreP50: p50 } : {}) };
}

function classify(before: ScenarioSide, after: ScenarioSide, slaMs: number): Pick<ScenarioChange, 'change' | 'restoreDeltaMs'> | undefined {
  // Inconclusive on one side hides the result: say so instead of guessing; on both sides nothing changed.
  if (before.score.rate === undefined || after.score.rate === undefined) return before.score.rate === after.score.rate ? undefined : { change: 'not_comparable' };
  if (after.score.rate < before.score.rate) return { change: 'regression' };
  if (after.score.rate > before.score.rate) return { change: 'new_heal' };
  if (before.restoreP50 === undefined || after.restoreP50 === undefined) return undefined;
  const delta = after.restoreP50 - before.restoreP50;
  if (Math.abs(delta) < Math.max(TIMING_MIN_MS, TIMING_SHARE_OF_SLA * slaMs)) return undefined;
  return { change: delta > 0 ? 'slower' : 'faster', restoreDeltaMs: delta };
}

const ORDER: readonly ChangeKind[] = ['regression', 'new_heal', 'slower', 'faster', 'not_comparable', 'added', 'removed'];

export function diffAgainstBaseline(run: Pick<RunModel, 'attempts'>, baseline: Pick<RunModel, 'runId' | 'attempts'>): BaselineDiff {
  const now = groupByScenario(run.attempts);
  const then = groupByScenario(baseline.attempts);
  const changes: ScenarioChange[] = [];
  for (const [key, attempts] of now) {
    const first = attempts[0]!;
    const ids = { key, scenarioId: first.scenarioId, host: first.host };
    const earlier = then.get(key);
    const after = side(attempts);
    if (!earlier) {
      changes.push({ ...ids, change: 'added', after });
      continue;
    }
    const before = side(earlier);
    const verdictOf = classify(before, after, first.slaMs);
    if (verdictOf) changes.push({ ...ids, ...verdictOf, before, after });
  }
  for (const [key, attempts] of then) {
    if (!now.has(key)) changes.push({ key, scenarioId: attempts[0]!.scenarioId, host: attempts[0]!.host, change: 'removed', before: side(attempts) });
  }
  changes.sort((a, b) => ORDER.indexOf(a.change) - ORDER.indexOf(b.change) || a.key.localeCompare(b.key));
  const counts = Object.fromEntries(ORDER.map((k) => [k, changes.filter((c) => c.change === k).length])) as Record<ChangeKind, number>;
  return { baselineRunId: baseline.runId, before: score(baseline.attempts), after: score(run.attempts), changes, counts };
}


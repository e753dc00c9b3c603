import { diffAgainstBaseline } from './baseline-diff.js';
import { scenarioKey } from './flaky.js';
import type { AttemptResult, RunModel } from './run-model.js';

/**
 * What a reader of last night's run must look at, split the way they act on it:
 * regressions (passed in the baseline, fail now), other failures, and known gaps.
 * A known gap is declared, not guessed: the scenario carries the `known-gap` tag
 * (the healer is known not to handle it yet). A known gap stays a known gap even
 * when it regressed: the tag says someone already owns it.
 */
export const KNOWN_GAP_TAG = 'known-gap';

export interface Attention {
  readonly regressions: readonly AttemptResult[];
  readonly failures: readonly AttemptResult[];
  readonly knownGaps: readonly AttemptResult[];
  readonly inconclusive: readonly AttemptResult[];
}

export function isKnownGap(attempt: Pick<AttemptResult, 'tags' | 'category'>): boolean {
  return attempt.tags.includes(KNOWN_GAP_TAG) || attempt.category === KNOWN_GAP_TAG;
}

/** A scored attempt whose verdict did not meet its expectation. */
export function failedExpectation(attempt: Pick<AttemptResult, 'passed' | 'scored'>): boolean {
  return attempt.scored && !attempt.passed;
}

const byName = (a: AttemptResult, b: AttemptResult) =>
  (a.scenarioId < b.scenarioId ? -1 : a.scenarioId > b.scenarioId ? 1 : 0) || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0) || a.repeatIndex - b.repeatIndex;

export function needsAttention(run: Pick<RunModel, 'attempts'>, baseline?: Pick<RunModel, 'runId' | 'attempts'>): Attention {
  const regressed = new Set(baseline ? diffAgainstBaseline(run, baseline).changes.filter((c) => c.change === 'regression').map((c) => c.key) : []);
  const regressions: AttemptResult[] = [];
  const failures: AttemptResult[] = [];
  const knownGaps: AttemptResult[] = [];
  for (const attempt of run.attempts) {
    if (!failedExpectation(attempt)) continue;
    if (isKnownGap(attempt)) knownGaps.push(attempt);
    else if (regressed.has(scenarioKey(attempt))) regressions.push(attempt);
    else failures.push(attempt);
  }
  const inconclusive = run.attempts.filter((a) => a.verdict.kind === 'inconclusive');
  return { regressions: regressions.sort(byName), failures: failures.sort(byName), knownGaps: knownGaps.sort(byName), inconclusive: [...inconclusive].sort(byName) };
}

/**
 * How a run's expectations split for its verdict: failures nobody owns yet (they
 * fail the run), failing known gaps (expected failures: they do not), and known
 * gaps that now pass (someone should drop the tag; `--fail-on fixed-gap` fails on them).
 */
export interface ExpectationSplit {
  readonly newFailures: number;
  readonly knownGaps: number;
  readonly fixedGaps: readonly AttemptResult[];
}

export function splitExpectations(run: Pick<RunModel, 'attempts'>): ExpectationSplit {
  let newFailures = 0;
  let knownGaps = 0;
  const fixedGaps: AttemptResult[] = [];
  for (const attempt of run.attempts) {
    if (!attempt.scored) continue;
    const gap = isKnownGap(attempt);
    if (attempt.passed) {
      if (gap) fixedGaps.push(attempt);
    } else if (gap) knownGaps += 1;
    else newFailures += 1;
  }
  return { newFailures, knownGaps, fixedGaps: fixedGaps.sort(byName) };
}

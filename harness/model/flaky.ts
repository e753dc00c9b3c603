import type { AttemptResult, RunModel } from './run-model.js';
import type { VerdictKind } from './verdict.js';

/**
 * Flaky scenarios: the same scenario on the same host gets different verdicts
 * when nothing about it changed. Two sources:
 *  - repeats in one run with more than one (scored) verdict kind;
 *  - recent runs whose pass/fail result flips at least twice. One flip is a
 *    regression or a fix and belongs to the baseline diff, not here.
 * Inconclusive and skipped attempts say nothing about the healer and are ignored.
 */
export interface FlakyScenario {
  readonly key: string;
  readonly scenarioId: string;
  readonly host: string;
  readonly source: 'repeats' | 'history' | 'both';
  /** Verdict kinds seen, oldest first (history) or in repeat order. */
  readonly verdicts: readonly VerdictKind[];
  readonly reason: string;
}

export function scenarioKey(attempt: Pick<AttemptResult, 'scenarioId' | 'host'>): string {
  return `${attempt.scenarioId}@${attempt.host}`;
}

export function groupByScenario(attempts: readonly AttemptResult[]): Map<string, AttemptResult[]> {
  const groups = new Map<string, AttemptResult[]>();
  for (const attempt of attempts) {
    const key = scenarioKey(attempt);
    const group = groups.get(key);
    if (group) group.push(attempt);
    else groups.set(key, [attempt]);
  }
  return groups;
}

const scored = (attempts: readonly AttemptResult[]) => attempts.filter((a) => a.scored);

function flips(results: readonly boolean[]): number {
  let count = 0;
  for (let i = 1; i < results.length; i += 1) if (results[i] !== results[i - 1]) count += 1;
  return count;
}

/** `history` is newest first (as ReporterContext gives it); `recentRuns` bounds how far back to look. */
export function findFlaky(run: Pick<RunModel, 'attempts'>, history: readonly Pick<RunModel, 'attempts'>[] = [], recentRuns = 5): Map<string, FlakyScenario> {
  const flaky = new Map<string, FlakyScenario>();
  const current = groupByScenario(run.attempts);
  const past = history.slice(0, recentRuns).reverse().map((r) => groupByScenario(r.attempts));
  for (const [key, attempts] of current) {
    const first = attempts[0]!;
    const repeatKinds = scored([...attempts].sort((a, b) => a.repeatIndex - b.repeatIndex)).map((a) => a.verdict.kind);
    const mixedRepeats = new Set(repeatKinds).size > 1;
    const runResults: { kind: VerdictKind; passed: boolean }[] = [];
    for (const groups of [...past, current]) {
      const outcomes = scored(groups.get(key) ?? []);
      if (!outcomes.length) continue;
      runResults.push({ kind: outcomes[0]!.verdict.kind, passed: outcomes.every((a) => a.passed) });
    }
    const historyFlips = flips(runResults.map((r) => r.passed));
    const mixedHistory = historyFlips >= 2;
    if (!mixedRepeats && !mixedHistory) continue;
    const reasons = [
      ...(mixedRepeats ? [`${new Set(repeatKinds).size} different verdicts over ${repeatKinds.length} repeats`] : []),
      ...(mixedHistory ? [`pass/fail changed ${historyFlips} times over the last ${runResults.length} runs`] : []),
    ];
    flaky.set(key, {
      key, scenarioId: first.scenarioId, host: first.host,
      source: mixedRepeats && mixedHistory ? 'both' : mixedRepeats ? 'repeats' : 'history',
      verdicts: mixedRepeats ? repeatKinds : runResults.map((r) => r.kind),
      reason: reasons.join('; '),
    });
  }
  return flaky;
}

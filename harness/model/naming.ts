import type { AttemptResult } from './run-model.js';

/**
 * How an attempt is named in every report. Repeats are numbered from 1 (as the
 * planner numbers them in attempt ids, `…#1`), and the number is shown only from
 * the second repeat on: the first repeat keeps the scenario's plain name, so a
 * JUnit test keeps its CI history whether a run repeats scenarios or not.
 */
export function repeatSuffix(attempt: Pick<AttemptResult, 'repeatIndex'>): string {
  return attempt.repeatIndex > 1 ? ` #${attempt.repeatIndex}` : '';
}

/** `lin-ssh-root-login`, `lin-ssh-root-login #2` */
export function attemptName(attempt: Pick<AttemptResult, 'scenarioId' | 'repeatIndex'>): string {
  return `${attempt.scenarioId}${repeatSuffix(attempt)}`;
}

/** The JUnit test name, final: `scenario`, `scenario #2`, `member [bundle]`. Renaming it would rename tests in every CI history. */
export function testName(attempt: Pick<AttemptResult, 'scenarioId' | 'repeatIndex' | 'bundleId'>): string {
  return `${attemptName(attempt)}${attempt.bundleId ? ` [${attempt.bundleId}]` : ''}`;
}

import type { RunModel } from './run-model.js';
import { splitExpectations } from './attention.js';
import { summarize } from './summary.js';

/**
 * The run's pass/fail state for the headline of every report: in words, with
 * the exit code and the gates that failed. The CLI judges a run (expectations,
 * lab errors, gates) and hands reporters the result as a RunJudgement; a model
 * rendered without one (a fixture, an old log) falls back to the exit code its
 * log recorded, else to its score alone.
 */
export interface GateFailureRecord {
  /** `min_heal_rate`, `max_inconclusive`, `fail_on:<kind>` */
  readonly gate: string;
  readonly message: string;
}

export interface RunJudgement {
  readonly exitCode: number;
  readonly failedGates: readonly GateFailureRecord[];
}

export type RunState = 'passed' | 'failed' | 'lab_errors' | 'interrupted' | 'crashed' | 'running';

export interface RunOutcome {
  readonly state: RunState;
  /** PASSED, FAILED, … — the state for people. */
  readonly words: string;
  readonly exitCode?: number;
  readonly exitMeaning?: string;
  readonly failedGates: readonly GateFailureRecord[];
  /** Scored attempts whose expectation was not met (new failures + failing known gaps). */
  readonly failedExpectations: number;
  /** Failed expectations that are not known gaps: what makes a run fail. */
  readonly newFailures: number;
  /** Failing known gaps: expected failures. */
  readonly knownGaps: number;
  /** Known gaps that now pass. */
  readonly fixedGaps: number;
}

/** The exit codes documented in README and `chaoslab --help`. */
const EXIT_MEANINGS: Readonly<Record<number, string>> = {
  0: 'every expectation met and every gate passed',
  1: 'an expectation or a gate failed',
  2: 'usage or configuration error',
  3: 'lab errors dominate',
  4: 'a reporter failed',
  130: 'interrupted',
};

const WORDS: Readonly<Record<RunState, string>> = {
  passed: 'PASSED', failed: 'FAILED', lab_errors: 'FAILED: LAB ERRORS', interrupted: 'INTERRUPTED', crashed: 'CRASHED', running: 'RUNNING',
};

function stateOf(run: Pick<RunModel, 'status'>, exitCode: number | undefined, newFailures: number): RunState {
  if (run.status === 'running' || run.status === 'crashed') return run.status;
  if (run.status === 'interrupted' || exitCode === 130) return 'interrupted';
  if (exitCode === 3) return 'lab_errors';
  if (exitCode !== undefined) return exitCode === 0 ? 'passed' : 'failed';
  return newFailures ? 'failed' : 'passed';
}

export function runOutcome(run: Pick<RunModel, 'status' | 'attempts' | 'exitCode'>, judgement?: RunJudgement): RunOutcome {
  const { score } = summarize(run);
  const failedExpectations = score.scored - score.passed;
  const split = splitExpectations(run);
  const exitCode = judgement?.exitCode ?? run.exitCode;
  const state = stateOf(run, exitCode, split.newFailures);
  return {
    state,
    words: WORDS[state],
    ...(exitCode !== undefined && { exitCode, exitMeaning: EXIT_MEANINGS[exitCode] ?? 'unknown exit code' }),
    failedGates: judgement?.failedGates ?? [],
    failedExpectations,
    newFailures: split.newFailures,
    knownGaps: split.knownGaps,
    fixedGaps: split.fixedGaps.length,
  };
}

import { needsAttention } from '../../harness/model/attention.js';
import { scenarioKey } from '../../harness/model/flaky.js';
import { failingSince, failingSinceText, type FailingSince } from '../../harness/model/history-view.js';
import { causeOf } from '../../harness/model/cause.js';
import { attemptName } from '../../harness/model/naming.js';
import { runOutcome, type RunJudgement } from '../../harness/model/outcome.js';
import type { AttemptResult, RunModel } from '../../harness/model/run-model.js';
import { gateLines, outcomeText } from '../format.js';

/**
 * The top of the page: the run's pass/fail state (colour and words, exit code,
 * failed gates) and the "Needs attention" card, each failed expectation with
 * its cause and a link that opens its evidence (#attempt=<id>).
 */
const ROWS_PER_GROUP = 50;

function row(a: AttemptResult, since: ReadonlyMap<string, FailingSince> | undefined) {
  return { attemptId: a.attemptId, href: `#attempt=${encodeURIComponent(a.attemptId)}`, name: attemptName(a), host: a.host, kind: a.verdict.kind, cause: causeOf(a), bundleId: a.bundleId, since: since && failingSinceText(since.get(scenarioKey(a))) };
}

function group(key: string, title: string, hint: string, attempts: readonly AttemptResult[], since?: ReadonlyMap<string, FailingSince>) {
  return { key, title, hint, count: attempts.length, rows: attempts.slice(0, ROWS_PER_GROUP).map((a) => row(a, since)), more: Math.max(0, attempts.length - ROWS_PER_GROUP) };
}

export function outcomeView(run: RunModel, judgement: RunJudgement | undefined) {
  const outcome = runOutcome(run, judgement);
  return { state: outcome.state, text: outcomeText(outcome), gates: gateLines(outcome) };
}

export function attentionView(run: RunModel, baseline: RunModel | undefined, history: readonly RunModel[] = []) {
  const found = needsAttention(run, baseline);
  const since = history.length ? failingSince(run, history) : undefined;
  const groups = [
    group('regression', 'Regressions', 'passed in the baseline run, fail now', found.regressions, since),
    group('failure', 'Failed expectations', 'not a known gap', found.failures, since),
    group('known-gap', 'Known gaps', 'tagged known-gap: failing as expected until the healer handles them', found.knownGaps, since),
  ].filter((g) => g.count);
  return { groups, count: groups.reduce((sum, g) => sum + g.count, 0), inconclusive: found.inconclusive.length };
}

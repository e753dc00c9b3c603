import { needsAttention } from '../../harness/model/attention.js';
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

function row(a: AttemptResult) {
  return { attemptId: a.attemptId, href: `#attempt=${encodeURIComponent(a.attemptId)}`, name: attemptName(a), host: a.host, kind: a.verdict.kind, cause: causeOf(a), bundleId: a.bundleId };
}

function group(key: string, title: string, hint: string, attempts: readonly AttemptResult[]) {
  return { key, title, hint, count: attempts.length, rows: attempts.slice(0, ROWS_PER_GROUP).map(row), more: Math.max(0, attempts.length - ROWS_PER_GROUP) };
}

export function outcomeView(run: RunModel, judgement: RunJudgement | undefined) {
  const outcome = runOutcome(run, judgement);
  return { state: outcome.state, text: outcomeText(outcome), gates: gateLines(outcome) };
}

export function attentionView(run: RunModel, baseline: RunModel | undefined) {
  const found = needsAttention(run, baseline);
  const groups = [
    group('regression', 'Regressions', 'passed in the baseline run, fail now', found.regressions),
    group('failure', 'Failed expectations', 'not a known gap', found.failures),
    group('known-gap', 'Known gaps', 'tagged known-gap: failing as expected until the healer handles them', found.knownGaps),
  ].filter((g) => g.count);
  return { groups, count: groups.reduce((sum, g) => sum + g.count, 0), inconclusive: found.inconclusive.length };
}

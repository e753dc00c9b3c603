import { formatDuration } from '../harness/core/duration.js';
import type { AttemptResult, RunModel } from '../harness/model/run-model.js';
import { failedExpectation, isKnownGap } from '../harness/model/attention.js';
import { causeOf } from '../harness/model/cause.js';
import { findFlaky, scenarioKey } from '../harness/model/flaky.js';
import { failingSince, failingSinceText } from '../harness/model/history-view.js';
import { attemptName } from '../harness/model/naming.js';
import { runOutcome } from '../harness/model/outcome.js';
import { headline, summarize } from '../harness/model/summary.js';
import { residueHeadline } from '../harness/model/residue.js';
import { expectationText, gateLines, mismatchText, outcomeText, residueLines } from './format.js';
import { inertForGithub, inGithubJob } from './github-inert.js';
import type { Reporter, ReporterContext } from './reporter.js';

type Paint = (code: number, text: string) => string;

function painter(stream: NodeJS.WritableStream): Paint {
  const tty = (stream as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR;
  return (code, text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
}

function mark(attempt: AttemptResult, paint: Paint): string {
  if (attempt.scored) return attempt.passed ? paint(32, '✓') : paint(31, '✗');
  return attempt.verdict.kind === 'skipped' ? paint(90, '-') : paint(33, '?');
}

/**
 * Live per-attempt progress lines, then the scorecard. Its lines carry what
 * hosts, healers and scenario files said (causes, runbook notes, titles): in a
 * GitHub job every line is made inert first, so none is run as a workflow command.
 */
export function createConsoleReporter(context: ReporterContext, env: Readonly<Record<string, string | undefined>> = process.env): Reporter {
  const out = context.stdout;
  const paint = painter(out);
  const inert = inGithubJob(env) ? inertForGithub : (text: string) => text;
  const write = (line = '') => out.write(`${inert(line)}\n`);
  let planned = 0;
  let done = 0;
  return {
    name: 'console',
    onRunStart(run) {
      planned = run.attempts.length;
      write(paint(1, `chaoslab run ${run.runId} — lab ${run.lab}${run.suite ? `, suite ${run.suite}` : ''}${run.shard ? `, shard ${run.shard}` : ''}`));
    },
    onAttemptEnd(attempt) {
      done += 1;
      const counter = planned ? `[${done}/${planned}] ` : '';
      const timing = attempt.timings.restoreMs !== undefined ? ` in ${formatDuration(attempt.timings.restoreMs)} (sla ${formatDuration(attempt.slaMs)})` : '';
      const bundle = attempt.bundleId ? ` [${attempt.bundleId}]` : '';
      write(`${mark(attempt, paint)} ${counter}${attemptName(attempt)} @ ${attempt.host}${bundle}  ${attempt.verdict.kind}${timing}`);
    },
    onRunEnd(run: RunModel) {
      const summary = summarize(run);
      const f = summary.funnel;
      write();
      const outcome = runOutcome(run, context.judge?.(run));
      write(paint(1, headline(summary)));
      write(paint(outcome.state === 'passed' ? 32 : 31, outcomeText(outcome)));
      for (const line of gateLines(outcome)) write(paint(31, `  ${line}`));
      write(`funnel: injected ${f.injected} → drift confirmed ${f.driftConfirmed} → detected ${f.detected} → claimed ${f.claimed} → restored ${f.restored} → stayed restored ${f.stayedRestored}`);
      const counts = Object.entries(summary.verdicts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
      write(`verdicts: ${counts.join(', ') || 'none'}`);
      const { score } = summary;
      const excluded = [...(score.inconclusive ? [`${score.inconclusive} inconclusive: the lab failed`] : []), ...(score.skipped ? [`${score.skipped} skipped: not run`] : [])];
      if (score.excluded) write(paint(33, `not scored: ${score.excluded} (${excluded.join('; ')})`));
      if (summary.timeToRestore.count) {
        write(`time to restore: p50 ${formatDuration(summary.timeToRestore.p50!)}, p95 ${formatDuration(summary.timeToRestore.p95!)}`);
      }
      if (context.historyNote) write(`history: ${context.historyNote.text}`);
      const since = context.history?.length ? failingSince(run, context.history) : undefined;
      const sinceText = (a: AttemptResult) => (since ? `; ${failingSinceText(since.get(scenarioKey(a)))}` : '');
      const failures = run.attempts.filter(failedExpectation);
      const newFailures = failures.filter((a) => !isKnownGap(a));
      const knownGaps = failures.filter(isKnownGap);
      if (newFailures.length) {
        write(paint(31, 'expectations not met:'));
        for (const a of newFailures) write(`  ${attemptName(a)} @ ${a.host}: ${a.verdict.kind}: ${causeOf(a)} (expected ${expectationText(a)}${sinceText(a)})`);
      }
      if (knownGaps.length) {
        write(paint(33, 'known gaps (tagged known-gap: expected failures, not counted against the run):'));
        for (const a of knownGaps) write(`  ${attemptName(a)} @ ${a.host}: ${a.verdict.kind}: ${causeOf(a)}${sinceText(a)}`);
      }
      const inconclusive = run.attempts.filter((a) => a.verdict.kind === 'inconclusive');
      if (inconclusive.length) {
        write(paint(33, 'inconclusive (lab problems, not counted against the healer):'));
        for (const a of inconclusive) write(`  ${attemptName(a)} @ ${a.host}: inconclusive: ${causeOf(a)}`);
      }
      const mismatches = run.attempts.map((a) => [a, mismatchText(a)] as const).filter(([, m]) => m);
      for (const [a, m] of mismatches) write(paint(33, `  note: ${a.scenarioId} @ ${a.host}: ${m}`));
      for (const flaky of findFlaky(run, context.history ?? []).values()) write(paint(33, `  flaky: ${flaky.key}: ${flaky.reason}`));
      for (const host of run.hosts.filter((h) => h.quarantined)) write(paint(33, `  host ${host.name} quarantined: ${host.quarantined!.reason}`));
      if (run.residueScan) {
        const lines = residueLines(run.residueScan);
        const headline = `residue scan: ${residueHeadline(run.residueScan)}`;
        write(lines.length ? paint(33, `${headline} (lab health, not scored)`) : headline);
        for (const line of lines) write(paint(33, `  ${line}`));
      }
      for (const note of run.notes) write(`${note.level}: ${note.message}`);
    },
  };
}

import { appendFile } from 'node:fs/promises';
import { isKnownGap, needsAttention } from '../harness/model/attention.js';
import { causeOf } from '../harness/model/cause.js';
import { attemptName } from '../harness/model/naming.js';
import type { AttemptResult, RunModel } from '../harness/model/run-model.js';
import { runOutcome } from '../harness/model/outcome.js';
import { headline, summarize } from '../harness/model/summary.js';
import { outcomeText } from './format.js';
import { inertForGithub } from './github-inert.js';
import { markdownOptions, renderMarkdown } from './markdown.js';
import { evidenceUrl } from './markdown-blocks.js';
import type { Reporter, ReporterContext } from './reporter.js';

/**
 * `--reporter github`: GitHub Actions workflow commands on stdout. An `::error`
 * annotation per failed expectation (title "scenario @ host", message the cause
 * line), a `::warning` per inconclusive attempt, one `::notice` with the
 * headline, and the Markdown scorecard appended to $GITHUB_STEP_SUMMARY when
 * the job sets it. Failures come first (regressions, failures, known gaps):
 * GitHub shows only the first annotations of each kind per step.
 */
type Env = Readonly<Record<string, string | undefined>>;

/**
 * A command's message: `%`, CR and LF are percent-encoded (workflow command
 * rules), so the message stays on the command's line. It is made inert first
 * (github-inert.ts): a legacy `##[command]` counts anywhere in a line.
 */
export function escapeData(text: string): string {
  return inertForGithub(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A command property (title=…): as data, and `:` and `,` too, which end or split properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function workflowCommand(command: 'error' | 'warning' | 'notice', title: string, message: string): string {
  return `::${command} title=${escapeProperty(title)}::${escapeData(message)}`;
}

function annotation(command: 'error' | 'warning' | 'notice', attempt: AttemptResult, reportUrl: string | undefined): string {
  const gap = isKnownGap(attempt) ? ' (known gap)' : '';
  const title = `${attemptName(attempt)} @ ${attempt.host}${gap}`;
  const link = reportUrl ? `\nevidence: ${evidenceUrl(reportUrl, attempt)}` : '';
  return workflowCommand(command, title, `${causeOf(attempt)}${link}`);
}

export function renderAnnotations(run: RunModel, options: { baseline?: RunModel; reportUrl?: string; outcomeText?: string } = {}): string[] {
  const found = needsAttention(run, options.baseline);
  const failed = [...found.regressions, ...found.failures];
  const summary = summarize(run);
  const state = options.outcomeText ?? outcomeText(runOutcome(run));
  return [
    ...failed.map((a) => annotation('error', a, options.reportUrl)),
    // expected failures: visible, but not errors that turn the job red
    ...found.knownGaps.map((a) => annotation('notice', a, options.reportUrl)),
    ...found.inconclusive.map((a) => annotation('warning', a, options.reportUrl)),
    workflowCommand('notice', 'chaoslab', `${headline(summary)} — ${state}${options.reportUrl ? `\nscorecard: ${options.reportUrl}` : ''}`),
  ];
}

export function createGithubReporter(context: ReporterContext, env: Env = process.env): Reporter {
  return {
    name: 'github',
    async onRunEnd(run: RunModel) {
      const judgement = context.judge?.(run);
      const lines = renderAnnotations(run, {
        ...(context.baseline && { baseline: context.baseline }),
        ...(context.reportUrl !== undefined && { reportUrl: context.reportUrl }),
        outcomeText: outcomeText(runOutcome(run, judgement)),
      });
      context.stdout.write(`${lines.join('\n')}\n`);
      const summaryFile = env.GITHUB_STEP_SUMMARY;
      if (!summaryFile) return;
      await appendFile(summaryFile, renderMarkdown(run, markdownOptions(context, run)));
      return [summaryFile];
    },
  };
}

import { join } from 'node:path';
import { writeArtifact } from '../harness/core/artifact-file.js';
import { formatDuration } from '../harness/core/duration.js';
import type { HistoryNote } from '../harness/model/history-view.js';
import { diffAgainstBaseline, type ChangeKind, type ScenarioChange } from '../harness/model/baseline-diff.js';
import { findFlaky } from '../harness/model/flaky.js';
import { attemptName } from '../harness/model/naming.js';
import type { AttemptResult, RunModel } from '../harness/model/run-model.js';
import { runOutcome, type RunJudgement, type RunState } from '../harness/model/outcome.js';
import { headline, platformName, summarize, type RunSummary, type Score } from '../harness/model/summary.js';
import { residueFindings, residueHeadline, residueUnknowns } from '../harness/model/residue.js';
import { gateLines, mismatchText, outcomeText, residueEvidence } from './format.js';
import { alert, attentionSection, mdCell, section, table, ROW_LIMIT } from './markdown-blocks.js';
import type { Reporter, ReporterContext } from './reporter.js';

/**
 * summary.md: a compact scorecard for a CI job summary ($GITHUB_STEP_SUMMARY)
 * or a pull-request comment: the pass/fail state first, then what needs
 * attention with its cause. Tables are capped and long ones folded, so a
 * 10,000-attempt run stays far below GitHub's 1 MiB summary limit; the HTML
 * scorecard has everything.
 */
export { mdCell } from './markdown-blocks.js';

export interface MarkdownOptions {
  readonly baseline?: RunModel;
  readonly history?: readonly RunModel[];
  /** Compared with what, or "no history yet" (model/history-view.ts). */
  readonly historyNote?: HistoryNote;
  readonly judgement?: RunJudgement;
  /** The published HTML scorecard: each failure links to its evidence there. */
  readonly reportUrl?: string;
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
const pct = (s: Score) => (s.rate === undefined ? 'n/a' : `${Math.round(s.rate * 100)}%`);
const time = (ms: number | undefined) => (ms === undefined ? '—' : formatDuration(ms));
const STATE_MARK: Record<RunState, string> = { passed: '✅', failed: '❌', lab_errors: '⚠️', interrupted: '⚠️', crashed: '❌', running: '⏳' };

function platformTable(summary: RunSummary): string[] {
  const rows = summary.byPlatform.map((p) => [platformName(p.key), String(p.passed), String(p.scored), pct(p), String(p.inconclusive), String(p.skipped)]);
  return table(['Platform', 'Passed', 'Scored', 'Rate', 'Inconclusive', 'Skipped'], rows, '|---|---:|---:|---:|---:|---:|');
}

function inconclusiveSection(run: RunModel): string[] {
  const lab = run.attempts.filter((a) => !a.scored);
  if (!lab.length) return [];
  const rows = lab.map((a) => {
    const v = a.verdict as Extract<AttemptResult['verdict'], { kind: 'inconclusive' | 'skipped' }>;
    return [attemptName(a), a.host, v.kind, v.reason, v.detail];
  });
  return section(`Inconclusive or skipped — lab problems, not scored (${lab.length})`, rows.length, table(['Scenario', 'Host', 'Verdict', 'Reason', 'Detail'], rows));
}

function mismatchSection(run: RunModel): string[] {
  const rows = run.attempts.filter((a) => mismatchText(a)).map((a) => [attemptName(a), a.host, a.verdict.kind, mismatchText(a)!]);
  return rows.length ? section(`Tier or runbook mismatches (${rows.length})`, rows.length, table(['Scenario', 'Host', 'Verdict', 'Mismatch'], rows)) : [];
}

function flakySection(run: RunModel, history: readonly RunModel[]): string[] {
  const flaky = [...findFlaky(run, history).values()];
  if (!flaky.length) return [];
  const rows = flaky.map((f) => [f.scenarioId, f.host, f.verdicts.join(' → '), f.reason]);
  return section(`Flaky (${flaky.length})`, rows.length, table(['Scenario', 'Host', 'Verdicts', 'Why'], rows));
}

/** The residue scan: a lab-health finding, apart from the score. */
function residueSection(run: RunModel): string[] {
  const scan = run.residueScan;
  if (!scan) return [];
  const found = residueFindings(scan);
  const unknown = residueUnknowns(scan);
  const skipped = scan.hosts.filter((h) => h.skipped);
  if (!found.length && !unknown.length && !skipped.length) return ['', `**Residue after the run:** none — ${residueHeadline(scan)}.`];
  const rows = found.map((r) => [r.scenarioId, r.host, r.checkType, String(r.exitCode), residueEvidence(r) || '—']);
  return [
    '',
    `### Residue after the run — lab health, not scored (${found.length})`,
    '',
    `${residueHeadline(scan)}. Every catalogue check that fits a host ran read-only on each host the run touched; residue is drift left on the lab.`,
    ...(rows.length ? ['', ...table(['Scenario', 'Host', 'Check type', 'Exit', 'Evidence'], rows)] : []),
    ...(unknown.length ? ['', `**Could not run — unknown, not residue (${unknown.length}):**`, '', ...table(['Scenario', 'Host', 'Check type', 'Why'], unknown.map((u) => [u.scenarioId, u.host, u.checkType, u.detail]))] : []),
    ...(skipped.length ? ['', `**Not scanned:** ${skipped.map((h) => `${code(h.host)} ${h.skipped!.reason}`).join(', ')}`] : []),
  ];
}

const CHANGE_TITLES: Record<ChangeKind, string> = {
  regression: 'Regressions', new_heal: 'New heals', slower: 'Slower to restore', faster: 'Faster to restore',
  not_comparable: 'Not comparable (inconclusive on one side)', added: 'New scenarios', removed: 'Scenarios no longer run',
};

function describeChange(c: ScenarioChange): string {
  const kinds = (side: ScenarioChange['before']) => (side ? [...new Set(side.verdicts)].join('/') : '—');
  if (c.restoreDeltaMs !== undefined) {
    const sign = c.restoreDeltaMs > 0 ? '+' : '−';
    return `${code(c.key)} p50 ${time(c.before?.restoreP50)} → ${time(c.after?.restoreP50)} (${sign}${formatDuration(Math.abs(c.restoreDeltaMs))})`;
  }
  return `${code(c.key)} (${kinds(c.before)} → ${kinds(c.after)})`;
}

/** The "change vs baseline" section, also printed by `chaoslab report diff`. */
export function baselineSection(run: RunModel, baseline: RunModel | undefined): string[] {
  if (!baseline) return [];
  const diff = diffAgainstBaseline(run, baseline);
  const lines = ['', `### Change vs baseline ${code(baseline.runId)}`, '', `Score ${diff.before.passed}/${diff.before.scored} (${pct(diff.before)}) → ${diff.after.passed}/${diff.after.scored} (${pct(diff.after)})`, ''];
  for (const kind of Object.keys(CHANGE_TITLES) as ChangeKind[]) {
    const changes = diff.changes.filter((c) => c.change === kind);
    if (!changes.length) continue;
    const shown = changes.slice(0, ROW_LIMIT).map(describeChange);
    lines.push(`- **${CHANGE_TITLES[kind]} (${changes.length}):** ${shown.join(', ')}${changes.length > shown.length ? `, …and ${changes.length - shown.length} more` : ''}`);
  }
  if (!diff.changes.length) lines.push('No change in verdicts or timings.');
  return lines;
}

export function renderMarkdown(run: RunModel, options: MarkdownOptions = {}): string {
  const summary = summarize(run);
  const f = summary.funnel;
  const outcome = runOutcome(run, options.judgement);
  const { excluded } = summary.score;
  const meta = [
    `Run ${code(run.runId)}`, ...(run.suite ? [`suite ${code(run.suite)}`] : []), ...(run.shard ? [`shard ${run.shard}`] : []),
    ...(run.mergedFrom ? [`merged from ${run.mergedFrom.length} logs`] : []), run.status, `${summary.total} attempts`,
    ...(excluded ? [`${excluded} not scored (inconclusive/skipped)`] : []), ...(run.durationMs !== undefined ? [`took ${formatDuration(run.durationMs)}`] : []),
    ...(options.reportUrl ? [`[HTML scorecard](${options.reportUrl})`] : []),
  ];
  const notes = run.notes.filter((n) => n.level !== 'info');
  const labWarning = summary.score.inconclusive ? [`${summary.score.inconclusive} attempt${summary.score.inconclusive === 1 ? ' was' : 's were'} inconclusive: the lab, not the healer, failed (${Object.entries(summary.inconclusiveReasons).map(([r, n]) => `${r} ${n}`).join(', ')}); not scored.`] : [];
  const lines = [
    `## chaoslab: ${headline(summary)}`,
    '',
    `**${STATE_MARK[outcome.state]} ${outcomeText(outcome)}**`,
    ...gateLines(outcome).map((line) => `- ${mdCell(line)}`),
    '',
    meta.join(' · '),
    ...(options.historyNote ? ['', `_${mdCell(options.historyNote.text)}_`] : []),
    ...attentionSection(run, options.baseline, options.reportUrl, options.history ?? []),
    ...alert('WARNING', [...labWarning, ...notes.filter((n) => n.level === 'warn').map((n) => n.message)]),
    ...alert('CAUTION', notes.filter((n) => n.level === 'error').map((n) => n.message)),
    '',
    `**Funnel:** injected ${f.injected} → drift confirmed ${f.driftConfirmed} → detected ${f.detected} → claimed ${f.claimed} → restored ${f.restored} → stayed restored ${f.stayedRestored}`,
    '',
    ...(summary.timeToRestore.count ? [`**Time to restore** (healed): p50 ${time(summary.timeToRestore.p50)} · p95 ${time(summary.timeToRestore.p95)}`, ''] : []),
    ...platformTable(summary),
    ...inconclusiveSection(run),
    ...mismatchSection(run),
    ...flakySection(run, options.history ?? []),
    ...residueSection(run),
    ...baselineSection(run, options.baseline),
  ];
  return `${lines.join('\n')}\n`;
}

/** The options every Markdown renderer takes from a reporter's context. */
export function markdownOptions(context: ReporterContext, run: RunModel): MarkdownOptions {
  return {
    ...(context.baseline && { baseline: context.baseline }),
    ...(context.history && { history: context.history }),
    ...(context.historyNote && { historyNote: context.historyNote }),
    ...(context.judge && { judgement: context.judge(run) }),
    ...(context.reportUrl !== undefined && { reportUrl: context.reportUrl }),
  };
}

export function createMarkdownReporter(context: ReporterContext): Reporter {
  return {
    name: 'markdown',
    async onRunEnd(run: RunModel) {
      const file = join(context.outputDir, 'summary.md');
      await writeArtifact(file, renderMarkdown(run, markdownOptions(context, run)));
      return [file];
    },
  };
}

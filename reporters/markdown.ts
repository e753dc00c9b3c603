import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDuration } from '../harness/core/duration.js';
import { diffAgainstBaseline, type ChangeKind, type ScenarioChange } from '../harness/model/baseline-diff.js';
import { findFlaky } from '../harness/model/flaky.js';
import type { AttemptResult, RunModel } from '../harness/model/run-model.js';
import { headline, summarize, type Score } from '../harness/model/summary.js';
import { residueFindings, residueHeadline, residueUnknowns } from '../harness/model/residue.js';
import { expectationText, mismatchText, residueEvidence } from './format.js';
import type { Reporter, ReporterContext } from './reporter.js';

/**
 * summary.md: a compact scorecard for a CI job summary ($GITHUB_STEP_SUMMARY)
 * or a pull-request comment. Tables are capped so a 10,000-attempt run stays
 * far below GitHub's 1 MiB summary limit; the HTML scorecard has everything.
 */
const ROW_LIMIT = 25;

export function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\r?\n/g, ' ');
}
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
const pct = (s: Score) => (s.rate === undefined ? 'n/a' : `${Math.round(s.rate * 100)}%`);
const time = (ms: number | undefined) => (ms === undefined ? '—' : formatDuration(ms));

function table(header: readonly string[], rows: readonly (readonly string[])[], align?: string): string[] {
  const shown = rows.slice(0, ROW_LIMIT);
  const lines = [`| ${header.join(' | ')} |`, align ?? `|${header.map(() => '---').join('|')}|`, ...shown.map((r) => `| ${r.map(mdCell).join(' | ')} |`)];
  if (rows.length > shown.length) lines.push('', `…and ${rows.length - shown.length} more (see the HTML scorecard).`);
  return lines;
}

function platformTable(run: RunModel): string[] {
  const rows = summarize(run).byPlatform.map((p) => {
    const of = run.attempts.filter((a) => a.platform === p.key);
    const n = (kind: string) => String(of.filter((a) => a.verdict.kind === kind).length);
    return [p.key === 'linux' ? 'Linux' : 'Windows', String(p.passed), String(p.scored), pct(p), n('inconclusive'), n('skipped')];
  });
  return table(['Platform', 'Passed', 'Scored', 'Rate', 'Inconclusive', 'Skipped'], rows, '|---|---:|---:|---:|---:|---:|');
}

const attemptName = (a: AttemptResult) => `${a.scenarioId}${a.repeatIndex > 1 ? ` #${a.repeatIndex}` : ''}`;

function failureSection(run: RunModel): string[] {
  const failed = run.attempts.filter((a) => !a.passed && a.verdict.kind !== 'inconclusive' && a.verdict.kind !== 'skipped');
  if (!failed.length) return [];
  const rows = failed.map((a) => [attemptName(a), a.host, a.verdict.kind, expectationText(a), time(a.timings.restoreMs), formatDuration(a.slaMs)]);
  return ['', `### Failed expectations (${failed.length})`, '', ...table(['Scenario', 'Host', 'Verdict', 'Expected', 'Restored after', 'SLA'], rows)];
}

function inconclusiveSection(run: RunModel): string[] {
  const lab = run.attempts.filter((a) => a.verdict.kind === 'inconclusive' || a.verdict.kind === 'skipped');
  if (!lab.length) return [];
  const rows = lab.map((a) => {
    const v = a.verdict as Extract<AttemptResult['verdict'], { kind: 'inconclusive' | 'skipped' }>;
    return [attemptName(a), a.host, v.kind, v.reason, v.detail];
  });
  return ['', `### Inconclusive or skipped — lab problems, not scored (${lab.length})`, '', ...table(['Scenario', 'Host', 'Verdict', 'Reason', 'Detail'], rows)];
}

function mismatchSection(run: RunModel): string[] {
  const rows = run.attempts.filter((a) => mismatchText(a)).map((a) => [attemptName(a), a.host, a.verdict.kind, mismatchText(a)!]);
  return rows.length ? ['', `### Tier or runbook mismatches (${rows.length})`, '', ...table(['Scenario', 'Host', 'Verdict', 'Mismatch'], rows)] : [];
}

function flakySection(run: RunModel, history: readonly RunModel[]): string[] {
  const flaky = [...findFlaky(run, history).values()];
  if (!flaky.length) return [];
  const rows = flaky.map((f) => [f.scenarioId, f.host, f.verdicts.join(' → '), f.reason]);
  return ['', `### Flaky (${flaky.length})`, '', ...table(['Scenario', 'Host', 'Verdicts', 'Why'], rows)];
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

export function renderMarkdown(run: RunModel, options: { baseline?: RunModel; history?: readonly RunModel[] } = {}): string {
  const summary = summarize(run);
  const f = summary.funnel;
  const excluded = summary.verdicts.inconclusive + summary.verdicts.skipped;
  const meta = [
    `Run ${code(run.runId)}`, ...(run.suite ? [`suite ${code(run.suite)}`] : []), ...(run.shard ? [`shard ${run.shard}`] : []),
    ...(run.mergedFrom ? [`merged from ${run.mergedFrom.length} logs`] : []), run.status, `${summary.total} attempts`,
    ...(excluded ? [`${excluded} not scored (inconclusive/skipped)`] : []), ...(run.durationMs !== undefined ? [`took ${formatDuration(run.durationMs)}`] : []),
  ];
  const notes = run.notes.filter((n) => n.level !== 'info').map((n) => `> **${n.level}:** ${mdCell(n.message)}`);
  const lines = [
    `## chaoslab: ${headline(summary, 'healed')}`,
    '',
    meta.join(' · '),
    '',
    `**Funnel:** injected ${f.injected} → drift confirmed ${f.driftConfirmed} → detected ${f.detected} → claimed ${f.claimed} → restored ${f.restored} → stayed restored ${f.stayedRestored}`,
    '',
    ...(summary.timeToRestore.count ? [`**Time to restore** (healed): p50 ${time(summary.timeToRestore.p50)} · p95 ${time(summary.timeToRestore.p95)}`, ''] : []),
    ...platformTable(run),
    ...failureSection(run),
    ...inconclusiveSection(run),
    ...mismatchSection(run),
    ...flakySection(run, options.history ?? []),
    ...residueSection(run),
    ...baselineSection(run, options.baseline),
    ...(notes.length ? ['', ...notes] : []),
  ];
  return `${lines.join('\n')}\n`;
}

export function createMarkdownReporter(context: ReporterContext): Reporter {
  return {
    name: 'markdown',
    async onRunEnd(run: RunModel) {
      const file = join(context.outputDir, 'summary.md');
      await writeFile(file, renderMarkdown(run, { ...(context.baseline ? { baseline: context.baseline } : {}), ...(context.history ? { history: context.history } : {}) }));
      return [file];
    },
  };
}

import { formatDuration } from '../../harness/core/duration.js';
import { diffAgainstBaseline, type ChangeKind, type ScenarioChange } from '../../harness/model/baseline-diff.js';
import type { FlakyScenario } from '../../harness/model/flaky.js';
import type { HistoryNote } from '../../harness/model/history-view.js';
import type { RunJudgement } from '../../harness/model/outcome.js';
import type { Funnel, RunModel } from '../../harness/model/run-model.js';
import { residueCounts, residueFindings, residueHeadline, residueUnknowns } from '../../harness/model/residue.js';
import { headline, summarize, type RunSummary, type Score, type ScoreBreakdown } from '../../harness/model/summary.js';
import { VERDICT_KINDS } from '../../harness/model/verdict.js';
import { residueEvidence } from '../format.js';
import { attentionView, outcomeView } from './attention-view.js';
import { bundlesView } from './bundles-view.js';
import { timelineView } from './timeline-view.js';

/**
 * What the page template renders on the server: everything that is a summary
 * (headline, funnel, breakdowns, lab problems, flaky, trend, baseline diff).
 * Rows per scenario and drill-downs are rendered by the page's script.
 */
/** Rows per summary table: enough to act on, few enough that a 10,000-attempt page opens fast (the scenario list has everything). */
const TABLE_LIMIT = 50;

const pct = (s: Score) => (s.rate === undefined ? 'n/a' : `${Math.round(s.rate * 100)}%`);
const time = (ms: number | undefined) => (ms === undefined ? '—' : formatDuration(ms));

const FUNNEL_LABELS: Record<keyof Funnel, string> = {
  injected: 'Injected', driftConfirmed: 'Drift confirmed', detected: 'Detected', claimed: 'Claimed healed', restored: 'Restored', stayedRestored: 'Stayed restored',
};

const CHANGE_TITLES: Record<ChangeKind, string> = {
  regression: 'Regressions', new_heal: 'New heals', slower: 'Slower to restore', faster: 'Faster to restore',
  not_comparable: 'Not comparable (inconclusive on one side)', added: 'New scenarios', removed: 'No longer run',
};

function breakdownRows(rows: readonly ScoreBreakdown[]) {
  return rows.map((r) => ({ key: r.key, passed: r.passed, scored: r.scored, pct: pct(r), width: r.rate === undefined ? 0 : Math.round(r.rate * 100) }));
}

/** Lowest pass rate first (hosts with nothing scored last), then by name. */
function worstFirst(rows: readonly ScoreBreakdown[]): ScoreBreakdown[] {
  return [...rows].sort((a, b) => (a.rate ?? 2) - (b.rate ?? 2) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function trendView(run: RunModel, summary: RunSummary, history: readonly RunModel[]) {
  const runs = [...history.slice(0, 19)].reverse().concat(run);
  if (runs.length < 2) return undefined;
  const points = runs.map((r, i) => {
    const s = r === run ? summary.score : summarize(r).score;
    return { runId: r.runId, date: new Date(r.startedAtWall).toISOString().slice(0, 16).replace('T', ' '), passed: s.passed, scored: s.scored, pct: pct(s), rate: s.rate, current: i === runs.length - 1 };
  });
  const width = 600;
  const height = 120;
  const x = (i: number) => Math.round(20 + (i * (width - 40)) / Math.max(1, points.length - 1));
  const y = (rate: number) => Math.round(10 + (1 - rate) * (height - 30));
  const plotted = points.map((p, i) => ({ ...p, x: x(i), y: p.rate === undefined ? undefined : y(p.rate) }));
  const line = plotted.filter((p) => p.y !== undefined).map((p) => `${p.x},${p.y}`).join(' ');
  return { width, height, line, points: plotted, y50: y(0.5), y100: y(1), y0: y(0) };
}

function changeRow(c: ScenarioChange) {
  const kinds = (side: ScenarioChange['before']) => (side ? [...new Set(side.verdicts)].join(' / ') : '—');
  const delta = c.restoreDeltaMs === undefined ? '' : `${c.restoreDeltaMs > 0 ? '+' : '−'}${formatDuration(Math.abs(c.restoreDeltaMs))}`;
  return { key: c.key, before: kinds(c.before), after: kinds(c.after), beforeP50: time(c.before?.restoreP50), afterP50: time(c.after?.restoreP50), delta };
}

function diffView(run: RunModel, baseline: RunModel | undefined) {
  if (!baseline) return undefined;
  const diff = diffAgainstBaseline(run, baseline);
  const groups = (Object.keys(CHANGE_TITLES) as ChangeKind[])
    .map((kind) => ({ kind, title: CHANGE_TITLES[kind], rows: diff.changes.filter((c) => c.change === kind).map(changeRow) }))
    .filter((g) => g.rows.length)
    .map((g) => ({ ...g, count: g.rows.length, rows: g.rows.slice(0, TABLE_LIMIT), more: Math.max(0, g.rows.length - TABLE_LIMIT) }));
  return { baselineRunId: baseline.runId, before: `${diff.before.passed}/${diff.before.scored} (${pct(diff.before)})`, after: `${diff.after.passed}/${diff.after.scored} (${pct(diff.after)})`, groups, unchanged: groups.length === 0, count: diff.changes.length, one: diff.changes.length === 1 };
}

function labProblems(run: RunModel) {
  const attempts = run.attempts.filter((a) => !a.scored);
  const reasons = new Map<string, number>();
  const rows = attempts.map((a) => {
    const v = a.verdict as Extract<typeof a.verdict, { kind: 'inconclusive' | 'skipped' }>;
    reasons.set(`${v.kind}: ${v.reason}`, (reasons.get(`${v.kind}: ${v.reason}`) ?? 0) + 1);
    return { attemptId: a.attemptId, scenarioId: a.scenarioId, host: a.host, kind: v.kind, reason: v.reason, detail: v.detail };
  });
  return { count: attempts.length, reasons: [...reasons].map(([reason, count]) => ({ reason, count })), rows: rows.slice(0, TABLE_LIMIT), more: Math.max(0, rows.length - TABLE_LIMIT) };
}

/** The residue scan, when the run had one: drift left on the lab, checks that could not run, hosts not scanned. */
function residueView(run: RunModel) {
  const scan = run.residueScan;
  if (!scan) return undefined;
  const found = residueFindings(scan).map((r) => ({ scenarioId: r.scenarioId, host: r.host, checkType: r.checkType, exitCode: r.exitCode, evidence: residueEvidence(r) }));
  const unknown = residueUnknowns(scan).map((u) => ({ scenarioId: u.scenarioId, host: u.host, checkType: u.checkType, detail: u.detail }));
  return {
    headline: residueHeadline(scan),
    count: residueCounts(scan).residue,
    rows: found.slice(0, TABLE_LIMIT),
    more: Math.max(0, found.length - TABLE_LIMIT),
    unknown: unknown.slice(0, TABLE_LIMIT),
    unknownMore: Math.max(0, unknown.length - TABLE_LIMIT),
    skipped: scan.hosts.filter((h) => h.skipped).map((h) => ({ host: h.host, reason: h.skipped!.reason, detail: h.skipped!.detail })),
  };
}

export interface PageInputs {
  readonly summary: RunSummary;
  readonly flaky: ReadonlyMap<string, FlakyScenario>;
  readonly baseline?: RunModel;
  readonly history: readonly RunModel[];
  readonly judgement?: RunJudgement;
  readonly historyNote?: HistoryNote;
}

export function buildPageView(run: RunModel, inputs: PageInputs) {
  const { summary, history } = inputs;
  const injected = summary.funnel.injected;
  const quarantined = run.hosts.filter((h) => h.quarantined).map((h) => ({ name: h.name, reason: h.quarantined!.reason }));
  const flaky = [...inputs.flaky.values()].map((f) => ({ ...f, verdicts: f.verdicts.join(' → ') }));
  const tags = summary.byTag.map((t) => t.key);
  const bundles = bundlesView(run);
  return {
    runId: run.runId,
    headline: headline(summary),
    outcome: outcomeView(run, inputs.judgement),
    attention: attentionView(run, inputs.baseline, history),
    bundles: bundles.count ? bundles : undefined,
    history: inputs.historyNote ? { text: inputs.historyNote.text, earlier: inputs.historyNote.earlier.map((e) => ({ ...e, date: new Date(e.startedAtWall).toISOString().slice(0, 16).replace('T', ' ') })) } : undefined,
    score: { passed: summary.score.passed, scored: summary.score.scored, excluded: summary.score.excluded, pct: pct(summary.score) },
    meta: [
      ['Run', run.runId], ['Suite', run.suite], ['Lab', run.lab], ['Status', run.status], ['Shard', run.shard],
      ['Merged from', run.mergedFrom?.join(', ')], ['Started', new Date(run.startedAtWall).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'],
      ['Duration', run.durationMs === undefined ? undefined : formatDuration(run.durationMs)], ['Attempts', String(summary.total)],
    ].filter(([, v]) => v !== undefined).map(([label, value]) => ({ label, value })),
    funnel: (Object.keys(FUNNEL_LABELS) as (keyof Funnel)[]).map((k) => ({
      label: FUNNEL_LABELS[k], count: summary.funnel[k], width: injected ? Math.round((summary.funnel[k] / injected) * 100) : 0,
    })),
    verdicts: VERDICT_KINDS.map((kind) => ({ kind, count: summary.verdicts[kind] })).filter((v) => v.count > 0),
    /** Open when short: a long list stays folded behind its count. */
    labOpen: summary.score.excluded <= 10,
    flakyOpen: inputs.flaky.size <= 10,
    timeToRestore: { p50: time(summary.timeToRestore.p50), p95: time(summary.timeToRestore.p95), count: summary.timeToRestore.count },
    breakdowns: [
      { title: 'By platform', rows: breakdownRows(summary.byPlatform) },
      { title: 'By tier', rows: breakdownRows(summary.byTier) },
      { title: 'By category and tag', rows: breakdownRows(summary.byTag) },
      { title: 'By host, worst first', rows: breakdownRows(worstFirst(summary.byHost).slice(0, TABLE_LIMIT)), more: Math.max(0, summary.byHost.length - TABLE_LIMIT) },
    ],
    lab: labProblems(run),
    quarantined,
    residue: residueView(run),
    flaky: flaky.slice(0, TABLE_LIMIT),
    flakyCount: flaky.length,
    flakyMore: Math.max(0, flaky.length - TABLE_LIMIT),
    trend: trendView(run, summary, history),
    timeline: timelineView(run),
    diff: diffView(run, inputs.baseline),
    notes: run.notes,
    filters: {
      verdicts: VERDICT_KINDS.filter((k) => summary.verdicts[k] > 0).map((kind) => ({ kind, count: summary.verdicts[kind] })),
      platforms: summary.byPlatform.map((p) => p.key),
      tags,
      bundles: bundles.ids,
    },
  };
}

export type PageView = ReturnType<typeof buildPageView>;

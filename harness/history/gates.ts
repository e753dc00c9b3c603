import { ChaoslabError } from '../core/errors.js';
import { ExitCode, type ExitCodeValue } from '../core/exit-codes.js';
import { failedExpectation, isKnownGap, splitExpectations } from '../model/attention.js';
import { diffAgainstBaseline } from '../model/baseline-diff.js';
import { findFlaky } from '../model/flaky.js';
import { residueFindings } from '../model/residue.js';
import type { RunModel } from '../model/run-model.js';
import { summarize } from '../model/summary.js';
import { FAIL_ON_KINDS, type FailOnKind } from '../config/fail-on.js';

/**
 * CI gates on a finished run: `--min-heal-rate 0.8`, `--fail-on regression,false_heal,residue`,
 * `--max-inconclusive N`, judged against `--baseline <run>`. A pure function of
 * the run models so `run` and `report` evaluate them the same way.
 */
export interface GateOptions {
  /** 0..1, compared with passed / scored */
  readonly minHealRate?: number;
  readonly failOn?: readonly FailOnKind[];
  readonly maxInconclusive?: number;
}

export interface GateFailure {
  readonly gate: 'min_heal_rate' | 'max_inconclusive' | `fail_on:${FailOnKind}`;
  readonly message: string;
}

export interface GateResult {
  readonly ok: boolean;
  readonly failures: readonly GateFailure[];
}

export function evaluateGates(run: RunModel, options: GateOptions, context: { baseline?: RunModel; history?: readonly RunModel[] } = {}): GateResult {
  const failures: GateFailure[] = [];
  const summary = summarize(run);
  if (options.minHealRate !== undefined) {
    const rate = summary.score.rate;
    if (rate === undefined) failures.push({ gate: 'min_heal_rate', message: `heal rate: no scored attempts (every attempt was inconclusive or skipped); required ≥ ${percent(options.minHealRate)}` });
    else if (rate < options.minHealRate) failures.push({ gate: 'min_heal_rate', message: `heal rate ${percent(rate)} (${summary.score.passed}/${summary.score.scored}) is below ${percent(options.minHealRate)}` });
  }
  if (options.maxInconclusive !== undefined && summary.verdicts.inconclusive > options.maxInconclusive) {
    const reasons = Object.entries(summary.inconclusiveReasons).map(([r, n]) => `${r} ${n}`).join(', ');
    failures.push({ gate: 'max_inconclusive', message: `${summary.verdicts.inconclusive} inconclusive attempts (${reasons}), at most ${options.maxInconclusive} allowed` });
  }
  for (const kind of new Set(options.failOn ?? [])) {
    const failure = failOn(kind, run, context);
    if (failure) failures.push({ gate: `fail_on:${kind}`, message: failure });
  }
  return { ok: failures.length === 0, failures };
}

function failOn(kind: FailOnKind, run: RunModel, context: { baseline?: RunModel; history?: readonly RunModel[] }): string | undefined {
  if (kind === 'regression') {
    if (!context.baseline) return 'regression gate needs a baseline run (--baseline <run>)';
    const regressions = diffAgainstBaseline(run, context.baseline).changes.filter((c) => c.change === 'regression');
    return regressions.length ? `${regressions.length} regression${plural(regressions.length)} against ${context.baseline.runId}: ${list(regressions.map((c) => c.key))}` : undefined;
  }
  if (kind === 'flaky') {
    const flaky = [...findFlaky(run, context.history ?? []).keys()];
    return flaky.length ? `${flaky.length} flaky scenario${plural(flaky.length)}: ${list(flaky)}` : undefined;
  }
  if (kind === 'residue') return residueFailure(run);
  if (kind === 'known-gap') {
    const gaps = run.attempts.filter((a) => failedExpectation(a) && isKnownGap(a));
    return gaps.length ? `${gaps.length} known gap${plural(gaps.length)} failing (tagged known-gap): ${list(gaps.map((a) => `${a.scenarioId}@${a.host}`))}` : undefined;
  }
  if (kind === 'fixed-gap') {
    const fixed = splitExpectations(run).fixedGaps;
    return fixed.length ? `${fixed.length} known gap${plural(fixed.length)} now pass${fixed.length === 1 ? 'es' : ''} (fixed? remove the known-gap tag): ${list(fixed.map((a) => `${a.scenarioId}@${a.host}`))}` : undefined;
  }
  const hits = run.attempts.filter((a) => a.verdict.kind === kind);
  return hits.length ? `${hits.length} ${kind} attempt${plural(hits.length)}: ${list(hits.map((a) => `${a.scenarioId}@${a.host}`))}` : undefined;
}

/** Drift the scan found on the lab after the run; checks that could not run are unknown, not residue, and never fail this gate. */
function residueFailure(run: RunModel): string | undefined {
  if (!run.residueScan) return 'residue gate needs the residue scan, and this run has none (it ran with --no-residue-scan, or before chaoslab had the scan)';
  const found = residueFindings(run.residueScan);
  return found.length ? `${found.length} residue${plural(found.length)} found on the lab after the run: ${list(found.map((r) => `${r.scenarioId}@${r.host}`))}` : undefined;
}

/** Gate failures are failed expectations of the run as a whole: exit 1. */
export function gateExitCode(result: GateResult): ExitCodeValue {
  return result.ok ? ExitCode.ok : ExitCode.expectationFailed;
}

/** Parses `--fail-on regression,false_heal`; unknown names are a usage error that lists the known ones. */
export function parseFailOn(text: string): FailOnKind[] {
  const names = text.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(FAIL_ON_KINDS as readonly string[]).includes(n));
  if (unknown.length) throw new ChaoslabError('CHAOSLAB_USAGE', `--fail-on: unknown ${unknown.join(', ')} (known: ${FAIL_ON_KINDS.join(', ')})`);
  return names as FailOnKind[];
}

/** Parses `--min-heal-rate`: 0.8 or 80%. */
export function parseHealRate(text: string): number {
  const trimmed = text.trim();
  const value = trimmed.endsWith('%') ? Number(trimmed.slice(0, -1)) / 100 : Number(trimmed);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new ChaoslabError('CHAOSLAB_USAGE', `--min-heal-rate: expected a number from 0 to 1 or a percentage like 80% (got ${JSON.stringify(text)})`);
  return value;
}

export function parseMaxInconclusive(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new ChaoslabError('CHAOSLAB_USAGE', `--max-inconclusive: expected a whole number ≥ 0 (got ${JSON.stringify(text)})`);
  return value;
}

const percent = (rate: number) => `${Math.round(rate * 1000) / 10}%`;
const plural = (n: number) => (n === 1 ? '' : 's');
const list = (items: readonly string[], max = 10) => (items.length > max ? `${items.slice(0, max).join(', ')}, … (${items.length - max} more)` : items.join(', '));

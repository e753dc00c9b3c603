import type { AttemptResult, Funnel, RunModel } from './run-model.js';
import { VERDICT_KINDS, type VerdictKind } from './verdict.js';

/**
 * The score, counted once here from each attempt's `scored` and `passed`:
 * reporters print these numbers and never count for themselves.
 */
export interface Score {
  readonly passed: number;
  /** attempts − excluded */
  readonly scored: number;
  /** Left out of the score: inconclusive + skipped. */
  readonly excluded: number;
  readonly inconclusive: number;
  readonly skipped: number;
  readonly rate: number | undefined;
}

export interface ScoreBreakdown extends Score {
  readonly key: string;
}

export interface RunSummary {
  readonly total: number;
  readonly score: Score;
  readonly byPlatform: readonly ScoreBreakdown[];
  readonly byHost: readonly ScoreBreakdown[];
  readonly byTag: readonly ScoreBreakdown[];
  readonly byTier: readonly ScoreBreakdown[];
  readonly verdicts: Readonly<Record<VerdictKind, number>>;
  readonly funnel: Funnel;
  readonly inconclusiveReasons: Readonly<Record<string, number>>;
  /** restore times of healed/healed_late attempts */
  readonly timeToRestore: { readonly p50?: number; readonly p95?: number; readonly count: number };
}

export function score(attempts: readonly Pick<AttemptResult, 'scored' | 'passed' | 'verdict'>[]): Score {
  let passed = 0;
  let scored = 0;
  let inconclusive = 0;
  let skipped = 0;
  for (const a of attempts) {
    if (a.scored) {
      scored += 1;
      if (a.passed) passed += 1;
    } else if (a.verdict.kind === 'skipped') skipped += 1;
    else inconclusive += 1;
  }
  return { passed, scored, excluded: inconclusive + skipped, inconclusive, skipped, rate: scored ? passed / scored : undefined };
}

export function percentile(values: readonly number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

function breakdown(attempts: readonly AttemptResult[], keysOf: (a: AttemptResult) => readonly string[]): ScoreBreakdown[] {
  const groups = new Map<string, AttemptResult[]>();
  for (const attempt of attempts) {
    for (const key of keysOf(attempt)) {
      const group = groups.get(key) ?? [];
      group.push(attempt);
      groups.set(key, group);
    }
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, group]) => ({ key, ...score(group) }));
}

export function summarize(run: Pick<RunModel, 'attempts'>): RunSummary {
  const attempts = run.attempts;
  const verdicts = Object.fromEntries(VERDICT_KINDS.map((k) => [k, 0])) as Record<VerdictKind, number>;
  const inconclusiveReasons: Record<string, number> = {};
  const funnel = { injected: 0, driftConfirmed: 0, detected: 0, claimed: 0, restored: 0, stayedRestored: 0 };
  const restoreTimes: number[] = [];
  for (const attempt of attempts) {
    verdicts[attempt.verdict.kind] += 1;
    if (attempt.verdict.kind === 'inconclusive') {
      inconclusiveReasons[attempt.verdict.reason] = (inconclusiveReasons[attempt.verdict.reason] ?? 0) + 1;
    }
    for (const step of Object.keys(funnel) as (keyof Funnel)[]) if (attempt.funnel[step]) funnel[step] += 1;
    if ((attempt.verdict.kind === 'healed' || attempt.verdict.kind === 'healed_late') && attempt.timings.restoreMs !== undefined) {
      restoreTimes.push(attempt.timings.restoreMs);
    }
  }
  return {
    total: attempts.length,
    score: score(attempts),
    byPlatform: breakdown(attempts, (a) => [a.platform]),
    byHost: breakdown(attempts, (a) => [a.host]),
    // A scenario often tags its own category (`category: permissions`, `tags: [permissions, cis]`): counted once.
    byTag: breakdown(attempts, (a) => [...new Set(a.category ? [a.category, ...a.tags] : a.tags)]),
    byTier: breakdown(attempts, (a) => [a.expect.tier ?? 'any']),
    verdicts,
    funnel,
    inconclusiveReasons,
    timeToRestore: { p50: percentile(restoreTimes, 50), p95: percentile(restoreTimes, 95), count: restoreTimes.length },
  };
}

export function platformName(platform: string): string {
  return platform === 'linux' ? 'Linux' : platform === 'windows' ? 'Windows' : platform;
}

/**
 * "13/16 passed (81%) — Linux 8/8, Windows 5/8": expectations met, not heals ("healed" is a verdict, and an expected escalation passes too).
 * A platform none of whose attempts was scored (all skipped: no such host in the lab) is not named: "Windows 0/0" says nothing.
 */
export function headline(summary: RunSummary): string {
  const pct = (s: Score) => (s.rate === undefined ? 'n/a' : `${Math.round(s.rate * 100)}%`);
  const platforms = summary.byPlatform.filter((p) => p.scored > 0).map((p) => `${platformName(p.key)} ${p.passed}/${p.scored}`).join(', ');
  const main = `${summary.score.passed}/${summary.score.scored} passed (${pct(summary.score)})`;
  return platforms ? `${main} — ${platforms}` : main;
}

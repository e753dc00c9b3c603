import { failedExpectation } from './attention.js';
import { scenarioKey } from './flaky.js';
import type { RunModel } from './run-model.js';

/**
 * What a reader of tonight's run learns from earlier ones without asking: which
 * run it is compared with (or that there is none yet), and for each failing
 * scenario since when it fails. `history` is newest first, the same suite and lab.
 */
export interface FailingSince {
  /** Wall-clock start of the oldest run of the unbroken failing streak (this run included). */
  readonly sinceWall: number;
  /** Runs in the streak, this run included: 1 = new tonight. */
  readonly runs: number;
}

/** A scenario@host failed in a run when any of its scored attempts there missed its expectation. */
function failedKeys(run: Pick<RunModel, 'attempts'>): Set<string> {
  return new Set(run.attempts.filter(failedExpectation).map(scenarioKey));
}

/** Keys that ran in a run (a scenario that did not run breaks no streak and extends none). */
function ranKeys(run: Pick<RunModel, 'attempts'>): Set<string> {
  return new Set(run.attempts.filter((a) => a.scored).map(scenarioKey));
}

export function failingSince(run: Pick<RunModel, 'attempts' | 'startedAtWall'>, history: readonly Pick<RunModel, 'attempts' | 'startedAtWall'>[]): Map<string, FailingSince> {
  const result = new Map<string, FailingSince>();
  const earlier = history.map((h) => ({ failed: failedKeys(h), ran: ranKeys(h), at: h.startedAtWall }));
  for (const key of failedKeys(run)) {
    let sinceWall = run.startedAtWall;
    let runs = 1;
    for (const past of earlier) {
      if (!past.ran.has(key)) continue;
      if (!past.failed.has(key)) break;
      sinceWall = past.at;
      runs += 1;
    }
    result.set(key, { sinceWall, runs });
  }
  return result;
}

/** "failing since 2026-12-05 (4 runs)", or "new tonight" for a streak of one. */
export function failingSinceText(since: FailingSince | undefined): string | undefined {
  if (!since) return undefined;
  return since.runs === 1 ? 'new in this run' : `failing since ${new Date(since.sinceWall).toISOString().slice(0, 10)} (${since.runs} runs)`;
}

export interface HistoryNote {
  readonly text: string;
  /** Earlier runs, newest first, with the folder-relative link to each one's scorecard. */
  readonly earlier: readonly { readonly runId: string; readonly startedAtWall: number; readonly href: string; readonly score: string }[];
}

/** One line for the top of every report: compared with what, or "no history yet". */
export function historyNote(run: Pick<RunModel, 'suite' | 'lab'>, history: readonly RunModel[], baseline: RunModel | undefined, enabled = true): HistoryNote {
  const earlier = history.slice(0, 10).map((h) => {
    const scored = h.attempts.filter((a) => a.scored);
    return { runId: h.runId, startedAtWall: h.startedAtWall, href: `../${encodeURIComponent(h.runId)}/index.html`, score: `${scored.filter((a) => a.passed).length}/${scored.length}` };
  });
  const what = `${run.suite ? `suite ${run.suite}` : 'these scenarios'} on lab ${run.lab}`;
  if (!enabled) return { text: 'history: off (--no-history)', earlier: [] };
  if (!baseline) return { text: `no history yet: the first run of ${what} in this reports folder (keep the folder between runs, or restore it in CI, to see changes)`, earlier };
  return { text: `compared with ${baseline.runId} (${new Date(baseline.startedAtWall).toISOString().slice(0, 16).replace('T', ' ')} UTC), the previous run of ${what}; ${history.length} earlier run${history.length === 1 ? '' : 's'} in this folder`, earlier };
}

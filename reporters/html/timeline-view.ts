import { formatDuration } from '../../harness/core/duration.js';
import { failedExpectation } from '../../harness/model/attention.js';
import { attemptName } from '../../harness/model/naming.js';
import type { AttemptResult, RunModel } from '../../harness/model/run-model.js';

/**
 * A timeline per host: each attempt a bar from its start to its end on the run's
 * clock, made of its phases, on a shared time axis. Attempts that overlap on a
 * host (scenarios on disjoint resources run together) get lanes of their own,
 * so compound drift is visible at a glance. Big runs skip it: the SVG would be
 * larger than the rest of the page, and the scenario list has every attempt.
 */
export const TIMELINE_MAX_ATTEMPTS = 2000;
const WIDTH = 1000;
const LANE = 14;
const TICKS = 8;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** Steps a reader counts in: whole seconds, minutes and hours. */
const STEPS = [SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, 60 * MINUTE, 120 * MINUTE, 240 * MINUTE];

/** The smallest readable step that puts at most TICKS ticks on the axis. */
function tickStep(span: number): number {
  return STEPS.find((step) => span / step <= TICKS) ?? Math.ceil(span / TICKS / (60 * MINUTE)) * 60 * MINUTE;
}

/** First-fit lanes: an attempt goes into the first lane that is free when it starts. */
function lanes(attempts: readonly AttemptResult[]): { attempt: AttemptResult; lane: number }[] {
  const ends: number[] = [];
  return [...attempts].sort((a, b) => a.startedAt - b.startedAt).map((attempt) => {
    let lane = ends.findIndex((end) => end <= attempt.startedAt);
    if (lane < 0) lane = ends.push(0) - 1;
    ends[lane] = attempt.endedAt ?? attempt.startedAt;
    return { attempt, lane };
  });
}

export function timelineView(run: RunModel) {
  const timed = run.attempts.filter((a) => a.phases.length);
  if (!timed.length || run.attempts.length > TIMELINE_MAX_ATTEMPTS) return undefined;
  const end = Math.max(run.durationMs ?? 0, ...timed.map((a) => a.endedAt ?? a.startedAt), 1);
  const x = (ms: number) => Math.round((ms / end) * WIDTH * 10) / 10;
  const step = tickStep(end);
  const ticks = Array.from({ length: Math.floor(end / step) + 1 }, (_, i) => ({ x: x(i * step), percent: Math.round(((i * step) / end) * 1000) / 10, label: formatDuration(i * step) }));
  const hosts = [...new Set(timed.map((a) => a.host))].sort();
  return {
    width: WIDTH,
    ticks,
    hosts: hosts.map((host) => {
      const placed = lanes(timed.filter((a) => a.host === host));
      const count = Math.max(...placed.map((p) => p.lane)) + 1;
      return {
        host,
        height: count * LANE + 2,
        overlapping: count > 1,
        bars: placed.map(({ attempt, lane }) => ({
          href: `#attempt=${encodeURIComponent(attempt.attemptId)}`,
          title: `${attemptName(attempt)} @ ${host}: ${attempt.verdict.kind}, ${formatDuration(attempt.startedAt)} → ${formatDuration(attempt.endedAt ?? attempt.startedAt)}`,
          failed: failedExpectation(attempt),
          y: lane * LANE + 1,
          phases: attempt.phases.map((p) => ({ phase: p.phase, x: x(p.start), width: Math.max(0.5, x(p.end ?? attempt.endedAt ?? p.start) - x(p.start)), bad: p.ok === false })),
        })),
      };
    }),
  };
}

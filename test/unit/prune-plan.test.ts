import { describe, expect, it } from 'vitest';
import type { RunIndexEntry } from '../../harness/history/index.js';
import { parseAge, pendingRuns, planPrune } from '../../harness/history/prune.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 3);

/** Index entries newest first, one a day back from NOW. */
const runs: RunIndexEntry[] = Array.from({ length: 5 }, (_, i) => ({ runId: `run-${i}`, dir: `run-${i}`, mtimeMs: 0, startedAtWall: NOW - i * DAY - 1, status: 'completed', total: 1, passed: 1, scored: 1, inconclusive: 0 }));
const ids = (list: readonly RunIndexEntry[]) => list.map((r) => r.runId);

describe('report prune: which runs go', () => {
  it('parses ages in days, weeks and the config durations, and refuses the rest', () => {
    expect(parseAge('30d')).toBe(30 * DAY);
    expect(parseAge('2w')).toBe(14 * DAY);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    for (const bad of ['soon', '0d', '-3d', '']) expect(() => parseAge(bad), bad).toThrow('give an age like 30d, 2w or 12h');
  });

  it('--keep keeps the newest; --older-than removes by age; both: only what both allow', () => {
    expect(ids(planPrune(runs, { keep: 2 }, new Map(), NOW).remove)).toEqual(['run-2', 'run-3', 'run-4']);
    expect(ids(planPrune(runs, { olderThanMs: 3 * DAY }, new Map(), NOW).remove)).toEqual(['run-3', 'run-4']);
    expect(ids(planPrune(runs, { keep: 4, olderThanMs: DAY }, new Map(), NOW).remove)).toEqual(['run-4']);
    expect(() => planPrune(runs, {}, new Map(), NOW)).toThrow('needs --keep <n> or --older-than <age>');
  });

  it('never removes a run with pending reverts, also when its journal entry cannot be read', () => {
    const pending = pendingRuns([{ runId: 'run-3' } as never], [{ file: '/state/journal/run-4_web@h#1_abc123.json' }], ids(runs));
    const plan = planPrune(runs, { keep: 1 }, pending, NOW);
    expect(ids(plan.remove)).toEqual(['run-1', 'run-2']);
    expect(plan.pending.map((p) => [p.entry.runId, p.entries])).toEqual([['run-3', 1], ['run-4', 1]]);
    expect(plan.kept).toBe(3);
  });
});

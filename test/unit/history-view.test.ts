import { describe, expect, it } from 'vitest';
import { failingSince, failingSinceText, historyNote } from '../../harness/model/history-view.js';
import type { AttemptResult, RunModel } from '../../harness/model/run-model.js';
import { catalogueRun } from '../fixtures/runs/catalogue.js';

/** History by default: "failing since" streaks and the one-line note every report opens with. */
const DAY = 86_400_000;
const base = catalogueRun('current');
const target = base.attempts.find((a) => a.scored && !a.passed)!;
const key = `${target.scenarioId}@${target.host}`;

/** The run `nightsAgo` nights before `base`, in which `target` passed, failed or did not run. */
function night(nightsAgo: number, outcome: 'pass' | 'fail' | 'absent'): RunModel {
  const attempts: AttemptResult[] = base.attempts
    .filter((a) => outcome !== 'absent' || a !== target)
    .map((a) => (a === target ? { ...a, passed: outcome === 'pass' } : a));
  return { ...base, runId: `night-${nightsAgo}`, startedAtWall: base.startedAtWall - nightsAgo * DAY, attempts };
}

describe('failing since', () => {
  it('a failure with no earlier failing run is new', () => {
    expect(failingSince(base, [night(1, 'pass'), night(2, 'fail')]).get(key)).toEqual({ sinceWall: base.startedAtWall, runs: 1 });
    expect(failingSinceText({ sinceWall: 0, runs: 1 })).toBe('new in this run');
  });

  it('counts the unbroken streak back to the first failing run, skipping runs where the scenario did not run', () => {
    const history = [night(1, 'fail'), night(2, 'absent'), night(3, 'fail'), night(4, 'pass'), night(5, 'fail')];
    const since = failingSince(base, history).get(key)!;
    expect(since).toEqual({ sinceWall: base.startedAtWall - 3 * DAY, runs: 3 });
    expect(failingSinceText(since)).toBe(`failing since ${new Date(base.startedAtWall - 3 * DAY).toISOString().slice(0, 10)} (3 runs)`);
  });

  it('names only scenarios that fail now', () => {
    const passing = base.attempts.find((a) => a.scored && a.passed)!;
    expect(failingSince(base, [night(1, 'fail')]).has(`${passing.scenarioId}@${passing.host}`)).toBe(false);
  });
});

describe('the history note', () => {
  it('says "no history yet" on a first run, and how to keep history in CI', () => {
    const note = historyNote({ suite: 'nightly', lab: 'lab-a' }, [], undefined);
    expect(note.text).toMatch(/^no history yet: the first run of suite nightly on lab lab-a in this reports folder/);
    expect(note.earlier).toEqual([]);
  });

  it('names the run compared with and links the earlier scorecards, newest first', () => {
    const history = [night(1, 'fail'), night(2, 'pass')];
    const note = historyNote({ suite: 'nightly', lab: 'lab-a' }, history, history[0]);
    expect(note.text).toMatch(/^compared with night-1 \(.+ UTC\), the previous run of suite nightly on lab lab-a; 2 earlier runs in this folder$/);
    expect(note.earlier.map((e) => e.href)).toEqual(['../night-1/index.html', '../night-2/index.html']);
  });

  it('says history is off when the user turned it off', () => {
    expect(historyNote({ lab: 'lab-a' }, [], undefined, false).text).toBe('history: off (--no-history)');
  });
});

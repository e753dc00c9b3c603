import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../harness/engine/session.js';
import type { AttemptResult, RunModel } from '../../harness/model/run-model.js';
import { isExcludedFromScore, type Verdict } from '../../harness/model/verdict.js';

function run(...attempts: [Verdict, boolean][]): RunModel {
  return {
    runId: 'r',
    lab: 'lab',
    startedAtWall: 0,
    status: 'completed',
    argv: [],
    hosts: [],
    notes: [],
    attempts: attempts.map(([verdict, passed], i): AttemptResult => ({
      attemptId: `a${i}`,
      scenarioId: `s${i}`,
      title: 't',
      platform: 'linux',
      host: 'web1',
      checkType: 'c',
      tags: [],
      repeatIndex: 1,
      slaMs: 1,
      windowMs: 1,
      holdMs: 0,
      expect: { outcome: 'heal' },
      verdict,
      passed,
      scored: !isExcludedFromScore(verdict.kind),
      tierMismatch: false,
      runbookMismatch: false,
      timings: {},
      funnel: { injected: true, driftConfirmed: true, detected: false, claimed: false, restored: false, stayedRestored: false },
      phases: [],
      startedAt: 0,
      commands: [],
      signals: [],
      rejectedSignals: [],
      probes: [],
    })),
  };
}

const healed: Verdict = { kind: 'healed', claimAt: 1, restoreAt: 1 };
const lost: Verdict = { kind: 'inconclusive', reason: 'transport_lost', detail: '' };
const skipped: Verdict = { kind: 'skipped', reason: 'no_matching_host', detail: '' };

describe('run exit code', () => {
  it.each([
    ['every expectation met (skips do not count)', run([healed, true], [skipped, false]), false, 0],
    ['an expectation failed', run([healed, true], [{ kind: 'not_healed' }, false]), false, 1],
    ['lab errors dominate: more inconclusive than scored', run([healed, true], [lost, false], [lost, false]), false, 3],
    ['as many inconclusive as scored is not dominance', run([healed, true], [lost, false]), false, 0],
    ['interrupted wins', run([healed, true]), true, 130],
  ] as const)('%s → %i', (_, model, interrupted, code) => {
    expect(exitCodeFor(model, interrupted)).toBe(code);
  });
});

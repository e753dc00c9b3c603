import { describe, expect, it } from 'vitest';
import { diffAgainstBaseline } from '../../harness/model/baseline-diff.js';
import { findFlaky } from '../../harness/model/flaky.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { catalogueRun } from '../fixtures/runs/catalogue.js';
import { syntheticRun } from '../fixtures/runs/synthetic.js';

const current = catalogueRun('current');
const baseline = catalogueRun('baseline');

function withVerdictOf(run: RunModel, runId: string, key: string, from: RunModel): RunModel {
  const replacement = from.attempts.find((a) => `${a.scenarioId}@${a.host}` === key)!;
  return { ...run, runId, attempts: run.attempts.map((a) => (`${a.scenarioId}@${a.host}` === key ? replacement : a)) };
}

describe('baseline diff', () => {
  const diff = diffAgainstBaseline(current, baseline);
  const keysOf = (change: string) => diff.changes.filter((c) => c.change === change).map((c) => c.key);

  it('finds regressions, new heals, timing changes and lab failures that cannot be compared', () => {
    expect(keysOf('regression')).toEqual(['lin-ip-forward@lab-lin-1', 'lin-ssh-password-auth@lab-lin-1']);
    expect(keysOf('new_heal')).toEqual(['win-dc-smb-signing@lab-dc-1', 'win-srv-firewall@lab-srv-1']);
    expect(keysOf('slower')).toEqual(['lin-firewall@lab-lin-2']);
    expect(keysOf('not_comparable')).toEqual(['win-dc-firewall@lab-dc-1', 'win-ws-network-profile@lab-ws-1']);
    expect(diff.changes.find((c) => c.change === 'slower')?.restoreDeltaMs).toBe(90_000);
    expect(diff.before).toMatchObject({ passed: 12, scored: 16 });
    expect(diff.after).toMatchObject({ passed: 10, scored: 14 });
  });

  it('reports scenarios added and removed since the baseline', () => {
    const fewer = { ...baseline, attempts: baseline.attempts.filter((a) => a.scenarioId !== 'lin-audit') };
    const moved = { ...current, attempts: current.attempts.filter((a) => a.scenarioId !== 'lin-rsyslog') };
    const changes = diffAgainstBaseline(moved, fewer).changes;
    expect(changes.filter((c) => c.change === 'added').map((c) => c.key)).toEqual(['lin-audit@lab-lin-1']);
    expect(changes.filter((c) => c.change === 'removed').map((c) => c.key)).toEqual(['lin-rsyslog@lab-lin-2']);
  });

  it('is empty against itself', () => {
    expect(diffAgainstBaseline(current, current).changes).toEqual([]);
  });
});

describe('flaky scenarios', () => {
  it('flags mixed verdicts across repeats of one scenario on one host', () => {
    const run = syntheticRun({ attempts: 60, hosts: 4, repeats: 3, seed: 7 });
    const flaky = findFlaky(run);
    expect(flaky.size).toBeGreaterThan(0);
    for (const entry of flaky.values()) {
      expect(entry.source).toBe('repeats');
      expect(new Set(entry.verdicts).size).toBeGreaterThan(1);
    }
    const steady = [...new Set(run.attempts.map((a) => `${a.scenarioId}@${a.host}`))].filter((k) => !flaky.has(k));
    for (const key of steady) {
      const kinds = run.attempts.filter((a) => `${a.scenarioId}@${a.host}` === key && a.verdict.kind !== 'inconclusive' && a.verdict.kind !== 'skipped').map((a) => a.verdict.kind);
      expect(new Set(kinds).size).toBeLessThanOrEqual(1);
    }
  });

  it('flags a scenario whose result flips twice over recent runs, not one that changed once', () => {
    const key = 'lin-ssh-password-auth@lab-lin-1';
    expect(findFlaky(current, [baseline]).has(key)).toBe(false);
    const older = withVerdictOf(baseline, 'older', key, current);
    const flaky = findFlaky(current, [baseline, older]);
    expect(flaky.get(key)).toMatchObject({ source: 'history', verdicts: ['flapped', 'healed', 'flapped'] });
    expect(flaky.size).toBe(1);
  });

  it('ignores inconclusive attempts: a lab failure is not flakiness', () => {
    const older = withVerdictOf(baseline, 'older', 'win-dc-firewall@lab-dc-1', current);
    expect(findFlaky(current, [baseline, older]).has('win-dc-firewall@lab-dc-1')).toBe(false);
  });
});

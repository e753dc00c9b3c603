import { describe, expect, it } from 'vitest';
import { timelineView, TIMELINE_MAX_ATTEMPTS } from '../../reporters/html/timeline-view.js';
import { buildAttempt } from '../fixtures/runs/build-attempt.js';
import { catalogueRun, CATALOGUE } from '../fixtures/runs/catalogue.js';
import { syntheticRun } from '../fixtures/runs/synthetic.js';

describe('timeline per host', () => {
  it('puts attempts that overlap on a host in lanes of their own, and sequential ones in one lane', () => {
    const base = catalogueRun('current');
    const spec = { ...CATALOGUE['lin-audit']!, outcome: 'healed' as const, detectS: 5, claimS: 9, restoreS: 10 };
    const first = buildAttempt(spec, 'x1', 0);
    const overlapping = buildAttempt({ ...spec, scenarioId: 'lin-audit-2' }, 'x2', 2000);
    const later = buildAttempt({ ...spec, scenarioId: 'lin-audit-3' }, 'x3', first.endedAt! + 1000);
    const view = timelineView({ ...base, attempts: [first, overlapping, later], durationMs: later.endedAt! })!;
    const host = view.hosts.find((h) => h.host === first.host)!;
    expect(host.overlapping).toBe(true);
    expect(host.bars.map((b) => b.y)).toEqual([1, 15, 1]);
    expect(host.bars[1]!.href).toBe('#attempt=x2');
  });

  it('labels its axis in whole seconds or minutes, and leaves big runs to the scenario list', () => {
    const view = timelineView(catalogueRun('current'))!;
    expect(view.ticks.map((t) => t.label)).toEqual(['0ms', '10m', '20m', '30m', '40m', '50m', '60m']);
    expect(view.hosts.map((h) => h.host)).toEqual(['lab-dc-1', 'lab-lin-1', 'lab-lin-2', 'lab-srv-1', 'lab-ws-1']);
    expect(timelineView(syntheticRun({ attempts: TIMELINE_MAX_ATTEMPTS + 1, hosts: 4 }))).toBeUndefined();
  });
});

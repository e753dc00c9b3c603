import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haltConditionSchema } from '../../harness/config/halt-schema.js';
import { systemClock } from '../../harness/core/clock.js';
import { silentLogger } from '../../harness/core/logger.js';
import { waitFor } from '../../harness/core/wait.js';
import { HaltMonitor } from '../../harness/engine/halt.js';
import { startCounterExporter, type CounterExporter } from '../support/counter-exporter.js';
import { startPrometheus, type PromServer } from '../support/prometheus.js';

/** A PromQL threshold as a halt condition, against a real Prometheus scraping a real exporter. */
describe('prometheus halt condition', () => {
  let exporter: CounterExporter;
  let prometheus: PromServer;
  const monitors: HaltMonitor[] = [];
  beforeAll(async () => {
    exporter = await startCounterExporter('app_errors_total');
    prometheus = await startPrometheus([{ job: 'app', target: exporter.target }]);
  });
  afterAll(async () => {
    for (const monitor of monitors) await monitor.stop();
    await prometheus?.close();
    await exporter?.close();
  });

  function monitor(condition: Record<string, unknown>): HaltMonitor {
    const created = new HaltMonitor([haltConditionSchema.parse({ name: 'error-budget', kind: 'prometheus', url: prometheus.url, ...condition })], { clock: systemClock, logger: silentLogger, intervalMs: 100, onHalt: () => undefined });
    monitors.push(created);
    return created;
  }

  it('fires when a sample crosses the threshold, with the samples as evidence', async () => {
    exporter.inc({ service: 'checkout' }, 2);
    const m = monitor({ query: 'app_errors_total{job="app"}', above: 4 });
    await m.start();
    expect(m.signal.aborted).toBe(false);
    exporter.inc({ service: 'checkout' }, 5);
    await waitFor(async () => (m.signal.aborted ? true : undefined), { clock: systemClock, timeoutMs: 20_000, intervalMs: 50, description: 'the threshold halts' });
    expect(m.halted!.detail).toBe('app_errors_total{job="app"} is above 4: 7');
    expect(m.halted!.evidence).toEqual([{ labels: expect.objectContaining({ service: 'checkout', job: 'app' }), value: 7 }]);
  });

  it('`below` fires on a value under the threshold (a scrape target that went away: no up == 1)', async () => {
    const healthy = monitor({ query: 'count(up{job="app"} == 1) or vector(0)', below: 1 });
    await healthy.start();
    expect(healthy.signal.aborted).toBe(false);
    const gone = monitor({ query: 'count(up{job="gone"} == 1) or vector(0)', below: 1 });
    await gone.start();
    expect(gone.halted!.detail).toBe('count(up{job="gone"} == 1) or vector(0) is below 1: 0');
  });

  it('a query Prometheus refuses cannot be evaluated at start', async () => {
    await expect(monitor({ query: 'app_errors_total{', above: 1 }).start()).rejects.toThrow(/error-budget cannot be evaluated: query app_errors_total\{ failed \(400\): .*parse error/);
  });
});

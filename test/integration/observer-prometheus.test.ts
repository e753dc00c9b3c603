import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ObserverUnavailableError } from '../../harness/core/errors.js';
import { PrometheusObserver, type CounterValues } from '../../harness/observers/prometheus.js';
import { startCounterExporter, type CounterExporter } from '../support/counter-exporter.js';
import { labHost, observerContext, parseObserver, startWatch, type RunningWatch } from '../support/observer-watch.js';
import { promQuery, startPrometheus, type PromServer } from '../support/prometheus.js';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';

const host = labHost('lin-web-1');
const labels = (result: string, check = 'ssh_config', hostName = 'lin-web-1') => ({ host: hostName, check, result, runbook: 'RB-LIN-SSH-001' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real Prometheus scraping the agent's exporter every second. */
describe('prometheus observer against a real Prometheus', () => {
  let exporter: CounterExporter;
  let prometheus: PromServer;
  beforeAll(async () => {
    exporter = await startCounterExporter();
    prometheus = await startPrometheus([{ job: 'agent', target: exporter.target }]);
  });
  afterAll(async () => {
    await prometheus?.close();
    await exporter?.close();
  });

  function observer(extra: Record<string, unknown> = {}, url = prometheus.url): PrometheusObserver {
    const config = parseObserver({
      kind: 'prometheus',
      name: 'agent-metrics',
      url,
      query: 'remediations_total{job="agent"}',
      fields: { host: 'host', check_type: 'check', kind: 'result', runbook: 'runbook' },
      kinds: { success: 'claimed_healed', failure: 'heal_failed' },
      poll_interval: '200ms',
      ...extra,
    });
    const created = new PrometheusObserver(config, observerContext());
    cleanups.push(() => created.close());
    return created;
  }

  /** Waits until Prometheus has scraped the exporter's current value of a series. */
  async function scraped(series: Record<string, string>, value: number): Promise<void> {
    const matcher = Object.entries(series).map(([k, v]) => `${k}="${v}"`).join(',');
    await waitFor(async () => {
      const result = await promQuery(prometheus, `remediations_total{${matcher}}`);
      return result.some((s) => Number(s.value[1]) === value) ? true : undefined;
    }, { clock: systemClock, timeoutMs: 20_000, intervalMs: 100, description: `Prometheus has ${matcher} = ${value}` });
  }

  async function watchFrom(target: PrometheusObserver, checkType = 'ssh_config'): Promise<RunningWatch & { since: number }> {
    const start: CounterValues = await target.prepare({ host, checkType, skewMs: 0, runId: 'run-test', attemptId: 'attempt-1', signal: new AbortController().signal });
    const since = Date.now();
    const running = startWatch(target, { host, checkType, start, since });
    cleanups.push(() => running.stop());
    return Object.assign(running, { since });
  }

  it('a counter that grows after the injection is one claim, stamped with its scrape time; history before is not', async () => {
    // an old heal: it was counted before the injection, so it is not this attempt's
    exporter.inc(labels('success'));
    await scraped({ result: 'success', check: 'ssh_config' }, 1);
    const target = observer();
    const running = await watchFrom(target);
    const injectedAt = Date.now();
    exporter.inc(labels('success'));
    await running.until('the heal is accepted', () => running.accepted.length >= 1);
    const [claim] = running.accepted;
    expect(claim).toMatchObject({ kind: 'claimed_healed', host: 'lin-web-1', checkType: 'ssh_config', runbook: 'RB-LIN-SSH-001' });
    expect(claim!.raw).toMatchObject({ query: 'remediations_total{job="agent"}', previous: 1, value: 2 });
    // the stamp is the scrape that saw the increase (ms since the watch's t0), not when chaoslab polled
    const sampledAt = Date.parse((claim!.raw as { sampledAt: string }).sampledAt);
    expect(sampledAt).toBeGreaterThanOrEqual(injectedAt - 1000);
    expect(claim!.at).toBe(sampledAt - running.since);
    // many polls later, another series grows: the first increase was not offered again
    await scraped({ result: 'success', check: 'ssh_config' }, 2);
    exporter.inc(labels('success', 'firewall'));
    await running.until('the second increase is seen', () => running.outputs.length >= 2);
    expect(running.outputs).toHaveLength(2);
    expect(running.accepted).toHaveLength(1);
  });

  it('a failed remediation is heal_failed, and another host or check is rejected as such', async () => {
    const target = observer();
    const running = await watchFrom(target);
    exporter.inc(labels('failure'));
    exporter.inc(labels('success', 'firewall'));
    exporter.inc(labels('success', 'ssh_config', 'lin-db-1'));
    await running.until('three increases judged', () => running.accepted.length + running.rejected.length >= 3);
    expect(running.accepted.map((s) => s.kind)).toEqual(['heal_failed']);
    expect(running.rejected.map((r) => r.reason).sort()).toEqual(['other_check', 'other_host']);
  });

  it('a counter reset (the agent restarted) is read as new growth, not lost', async () => {
    exporter.inc(labels('success', 'dns_config'), 5);
    await scraped({ result: 'success', check: 'dns_config' }, 5);
    const target = observer();
    const running = await watchFrom(target, 'dns_config');
    exporter.restart();
    exporter.inc(labels('success', 'dns_config'));
    await running.until('the heal after the restart is accepted', () => running.accepted.length >= 1);
    expect(running.accepted[0]!.raw).toMatchObject({ previous: 5, value: 1 });
  });

  it('a bad query makes the observer unavailable with Prometheus\' own error', async () => {
    const target = observer({ query: 'remediations_total{' });
    await expect(target.probe()).rejects.toThrow(/query remediations_total\{ failed \(400\): .*parse error/);
  });

  it('Prometheus going down mid-window makes the watch unavailable after its retries (observer_unavailable)', async () => {
    const own = await startPrometheus([{ job: 'agent', target: exporter.target }]);
    cleanups.push(() => own.close());
    const target = observer({}, own.url);
    const running = await watchFrom(target);
    await own.stop();
    await running.done;
    expect(running.error()).toBeInstanceOf(ObserverUnavailableError);
    expect(String(running.error())).toMatch(/gave up after \d+ failed tries in a row: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query failed: ECONNREFUSED/);
  });
});

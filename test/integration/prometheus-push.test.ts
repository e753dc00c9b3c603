import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { foldLogFile } from '../../harness/events/fold.js';
import { summarize } from '../../harness/model/summary.js';
import { runCli } from '../support/engine-cli.js';
import { promQuery, startPrometheus, startPushgateway, type PromServer } from '../support/prometheus.js';
import { tempDir } from '../support/tmp.js';

const RECORDED = resolve('test/fixtures/runs/catalogue-16/events.jsonl');

/**
 * The real CLI re-renders a recorded run with `--pushgateway`: the metrics land
 * in a real Pushgateway, and a real Prometheus scraping it answers PromQL with
 * the run's own figures.
 */
describe('prometheus metrics through a real Pushgateway and Prometheus', () => {
  let pushgateway: PromServer;
  let prometheus: PromServer;
  beforeAll(async () => {
    pushgateway = await startPushgateway();
    prometheus = await startPrometheus([{ job: 'pushgateway', target: `127.0.0.1:${pushgateway.port}`, honorLabels: true }]);
  });
  afterAll(async () => {
    await prometheus?.close();
    await pushgateway?.close();
  });

  it('pushes the run once, grouped by job and lab, and PromQL reads the score back', async () => {
    await using dir = await tempDir();
    const result = await runCli(['report', RECORDED, '--reporter', 'json', '--out', join(dir.path, 'out'), '--reports', join(dir.path, 'reports'), '--pushgateway', pushgateway.url], { cwd: process.cwd() });
    expect(result.stderr).not.toMatch(/reporter .* failed/);
    const model = await foldLogFile(RECORDED);
    const summary = summarize(model);

    // the file for a textfile collector is written beside the other reports
    const file = await readFile(join(dir.path, 'out', 'metrics.prom'), 'utf8');
    expect(file).toContain(`chaoslab_attempts_passed{lab="${model.lab}"} ${summary.score.passed}`);

    const pushed = await (await fetch(`${pushgateway.url}/api/v1/metrics`)).json() as { data: { labels: Record<string, string> }[] };
    expect(pushed.data.map((group) => [group.labels.job, group.labels.lab])).toEqual([['chaoslab', model.lab]]);

    const passed = await waitFor(
      async () => {
        const series = await promQuery(prometheus, 'chaoslab_attempts_passed{job="chaoslab"}');
        return series.length ? series : undefined;
      },
      { clock: systemClock, timeoutMs: 30_000, intervalMs: 250, description: 'Prometheus scraped the pushed metrics' },
    );
    expect(passed.map((s) => [s.metric.lab, Number(s.value[1])])).toEqual([[model.lab, summary.score.passed]]);
    const inconclusive = await promQuery(prometheus, 'sum(chaoslab_verdicts{verdict="inconclusive"})');
    expect(Number(inconclusive[0]!.value[1])).toBe(summary.verdicts.inconclusive);
    const p95 = await promQuery(prometheus, 'histogram_quantile(0.95, chaoslab_time_to_restore_seconds_bucket)');
    expect(Number(p95[0]!.value[1])).toBeGreaterThan(0);
  });

  it('a Pushgateway that is down is a reporter failure (exit 4), and the other reporters still write', async () => {
    await using dir = await tempDir();
    const down = 'http://127.0.0.1:1';
    const result = await runCli(['report', RECORDED, '--reporter', 'json', '--out', join(dir.path, 'out'), '--reports', join(dir.path, 'reports'), '--pushgateway', down], { cwd: process.cwd() });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/reporter prometheus failed in onRunEnd: push to http:\/\/127\.0\.0\.1:1 failed/);
    expect(JSON.parse(await readFile(join(dir.path, 'out', 'report.json'), 'utf8')).summary.total).toBeGreaterThan(0);
  });

  it('a --pushgateway that is not an http URL is a usage error before anything is rendered', async () => {
    await using dir = await tempDir();
    const result = await runCli(['report', RECORDED, '--out', join(dir.path, 'out'), '--reports', join(dir.path, 'reports'), '--pushgateway', 'file:///etc/passwd'], { cwd: process.cwd() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--pushgateway must be an http\(s\) URL/);
  });
});

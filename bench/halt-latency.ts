/**
 * Halt latency: from the moment a halt condition starts firing to the moment
 * the run's abort signal fires (nothing new is injected after it), p50/p95/max
 * over ≥ 10 halts, for a real Alertmanager alert (posted through its API) and
 * for an operator's stop file. Each halt starts at a random phase of the
 * monitor's 1 s evaluation interval. Baseline measured in the same run: one
 * bare GET of the Alertmanager API, so the figure says how much of the latency
 * is the evaluation interval rather than the server. Target: p95 ≤ 2 s.
 *
 *   node --import tsx bench/halt-latency.ts [halts=12]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { haltConditionSchema } from '../harness/config/halt-schema.js';
import { systemClock } from '../harness/core/clock.js';
import { silentLogger } from '../harness/core/logger.js';
import { HaltMonitor } from '../harness/engine/halt.js';
import { percentile } from '../harness/model/summary.js';
import { startAlertmanager } from '../test/support/prometheus.js';
import { tempDir } from '../test/support/tmp.js';

const HALTS = Math.max(10, Number(process.argv[2] ?? 12));
const TARGET_MS = 2_000;

async function measure(condition: Record<string, unknown>, fire: (i: number) => Promise<void>, i: number): Promise<number> {
  const monitor = new HaltMonitor([haltConditionSchema.parse(condition)], { clock: systemClock, logger: silentLogger, onHalt: () => undefined });
  await monitor.start();
  // a random phase of the evaluation interval
  await systemClock.sleep(Math.random() * 1_000);
  const firedAt = performance.now();
  const halted = new Promise<number>((resolve) => monitor.signal.addEventListener('abort', () => resolve(performance.now()), { once: true }));
  await fire(i);
  const at = await halted;
  await monitor.stop();
  return at - firedAt;
}

function row(name: string, values: number[], baselineMs?: number): string {
  const p50 = percentile(values, 50)!;
  const p95 = percentile(values, 95)!;
  const ok = p95 <= TARGET_MS ? 'ok' : 'MISSED';
  return `${name.padEnd(14)} p50 ${p50.toFixed(0).padStart(5)} ms   p95 ${p95.toFixed(0).padStart(5)} ms   max ${Math.max(...values).toFixed(0).padStart(5)} ms   ${baselineMs === undefined ? '' : `(bare API GET ${baselineMs.toFixed(1)} ms)   `}target p95 ≤ ${TARGET_MS} ms: ${ok}`;
}

async function main(): Promise<void> {
  await using alertmanager = await startAlertmanager();
  await using dir = await tempDir();
  const started = performance.now();
  await fetch(`${alertmanager.url}/api/v2/alerts`).then((r) => r.text());
  const bareGet = performance.now() - started;

  const alerts: number[] = [];
  for (let i = 0; i < HALTS; i += 1) {
    const name = `BenchHalt${i}`;
    alerts.push(
      await measure({ name: 'bench-alert', kind: 'alertmanager', url: alertmanager.url, matchers: [`alertname="${name}"`] }, async () => {
        const response = await fetch(`${alertmanager.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels: { alertname: name } }]) });
        if (!response.ok) throw new Error(`posting the alert answered ${response.status}`);
      }, i),
    );
  }
  const files: number[] = [];
  for (let i = 0; i < HALTS; i += 1) {
    const path = join(dir.path, `STOP-${i}`);
    files.push(await measure({ name: 'bench-stop', kind: 'stop_file', path }, () => writeFile(path, ''), i));
  }
  console.log(`halt latency over ${HALTS} halts each (evaluation every 1 s)`);
  console.log(row('alertmanager', alerts, bareGet));
  console.log(row('stop file', files));
}

await main();

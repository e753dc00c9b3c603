import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { haltConditionSchema, type HaltCondition } from '../../harness/config/halt-schema.js';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { HaltMonitor, HaltUnavailableError, RunHalted } from '../../harness/engine/halt.js';
import { haltProbe } from '../../harness/engine/halt-probes.js';
import { tempDir } from '../support/tmp.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function monitor(conditions: Record<string, unknown>[]): { monitor: HaltMonitor; halts: RunHalted[]; warnings: string[] } {
  const halts: RunHalted[] = [];
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const created = new HaltMonitor(conditions.map((c) => haltConditionSchema.parse(c) as HaltCondition), { clock: systemClock, logger, intervalMs: 20, onHalt: (h) => halts.push(h) });
  cleanups.push(() => created.stop());
  return { monitor: created, halts, warnings };
}

const halted = (m: HaltMonitor) => waitFor(async () => (m.signal.aborted ? true : undefined), { clock: systemClock, timeoutMs: 5_000, intervalMs: 5, description: 'the monitor halts' });

/** A health endpoint whose answer the test sets. */
async function healthServer(): Promise<{ url: string; status: { code: number } }> {
  const status = { code: 200 };
  const server = createServer((_req, res) => res.writeHead(status.code).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`, status };
}

describe('halt monitor', () => {
  it('a stop file halts the run once, with the condition and what it saw as the abort reason', async () => {
    await using dir = await tempDir();
    const path = join(dir.path, 'STOP');
    const { monitor: m, halts } = monitor([{ name: 'kill-switch', kind: 'stop_file', path }]);
    await m.start();
    expect(m.signal.aborted).toBe(false);
    await writeFile(path, '');
    await halted(m);
    expect(m.signal.reason).toBeInstanceOf(RunHalted);
    expect(m.halted).toMatchObject({ condition: 'kill-switch', conditionKind: 'stop_file', detail: `stop file ${path} exists` });
    await m.stop();
    expect(halts).toHaveLength(1);
  });

  it('a condition already firing at start halts before anything runs', async () => {
    await using dir = await tempDir();
    await writeFile(join(dir.path, 'STOP'), '');
    const { monitor: m } = monitor([{ name: 'kill-switch', kind: 'stop_file', path: join(dir.path, 'STOP') }]);
    await m.start();
    expect(m.signal.aborted).toBe(true);
  });

  it('a condition that cannot be evaluated at start is HaltUnavailableError, not a halt', async () => {
    await using dir = await tempDir();
    await writeFile(join(dir.path, 'plain-file'), '');
    const { monitor: m } = monitor([{ name: 'bad-path', kind: 'stop_file', path: join(dir.path, 'plain-file', 'STOP') }]);
    await expect(m.start()).rejects.toThrow(HaltUnavailableError);
    await expect(m.start()).rejects.toThrow(/halt condition bad-path cannot be evaluated: cannot check .*ENOTDIR/);
    const { monitor: down } = monitor([{ name: 'no-alertmanager', kind: 'alertmanager', url: 'http://127.0.0.1:1', matchers: ['alertname="X"'] }]);
    await expect(down.start()).rejects.toThrow(/no-alertmanager cannot be evaluated: GET http:\/\/127\.0\.0\.1:1\/api\/v2\/alerts failed/);
    const { monitor: deadHealth } = monitor([{ name: 'health', kind: 'http', url: 'http://127.0.0.1:1/healthz' }]);
    await expect(deadHealth.start()).rejects.toThrow(/health cannot be evaluated: http:\/\/127\.0\.0\.1:1\/healthz did not answer/);
  });

  it('a condition that becomes unreadable mid-run halts by default, and not with when_unreadable: continue', async () => {
    await using dir = await tempDir();
    const parent = join(dir.path, 'switches');
    await mkdir(parent);
    const path = join(parent, 'STOP');
    const { monitor: strict } = monitor([{ name: 'strict', kind: 'stop_file', path }]);
    const { monitor: lenient, warnings } = monitor([{ name: 'lenient', kind: 'stop_file', path, when_unreadable: 'continue' }]);
    await strict.start();
    await lenient.start();
    // the folder becomes a file: stat of STOP inside it fails with ENOTDIR
    await rm(parent, { recursive: true });
    await writeFile(parent, '');
    await halted(strict);
    expect(strict.halted!.detail).toMatch(/^cannot be read, so it is treated as firing: cannot check .*ENOTDIR/);
    // the lenient monitor saw the same failure (it says so) and kept going
    await waitFor(async () => (warnings.length >= 2 ? true : undefined), { clock: systemClock, timeoutMs: 5_000, intervalMs: 5, description: 'two unreadable evaluations' });
    expect(warnings[0]).toMatch(/halt condition unreadable; continuing as it says/);
    expect(lenient.signal.aborted).toBe(false);
  });

  it('an http health check fires after `failures` failed answers in a row; one success resets the count', async () => {
    const health = await healthServer();
    const probe = haltProbe(haltConditionSchema.parse({ name: 'api-health', kind: 'http', url: health.url, failures: 3 }));
    const signal = new AbortController().signal;
    const firing = async (code: number) => {
      health.status.code = code;
      const reading = await probe.evaluate(signal);
      if ('unreadable' in reading) throw new Error(reading.unreadable);
      return reading.firing;
    };
    expect([await firing(503), await firing(503), await firing(200), await firing(500), await firing(500)]).toEqual([false, false, false, false, false]);
    expect(await firing(502)).toBe(true);
    const { monitor: m } = monitor([{ name: 'api-health', kind: 'http', url: health.url, failures: 3 }]);
    health.status.code = 200;
    await m.start();
    health.status.code = 503;
    await halted(m);
    expect(m.halted!.detail).toBe(`${health.url} answered 503 (3 of 3 failures in a row)`);
  });
});

/**
 * Observer lag: for each observer kind, the delay between the stack's own
 * event time and the moment chaoslab's Correlator accepted the event, p50/p95
 * over ≥ 100 events, against real local stacks (sshd, an HTTP API, PostgreSQL,
 * Chromium on a dashboard). Events are paced with jitter so polling observers
 * see them at every phase of their interval. Baseline measured in the same
 * run: one bare round trip on the same channel (ssh exec, HTTP GET, SELECT 1,
 * page load), so the ratio says how much the observer adds over its channel.
 * Targets: webhook and SSE p95 ≤ 100 ms; polling p95 ≤ poll interval + 100 ms.
 *
 *   node --import tsx bench/observer-lag.ts [events=100] [kinds=log,http,sse,webhook,postgres,browser,browser-live]
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../harness/core/clock.js';
import { percentile } from '../harness/model/summary.js';
import { BrowserObserver } from '../harness/observers/browser.js';
import { HttpObserver } from '../harness/observers/http.js';
import { LogObserver } from '../harness/observers/log.js';
import type { Observer } from '../harness/observers/observer.js';
import { PostgresObserver } from '../harness/observers/postgres.js';
import { WebhookObserver } from '../harness/observers/webhook.js';
import { webhookHeaders } from '../harness/observers/webhook-signature.js';
import { createSshTransport } from '../harness/transport/ssh.js';
import type { HostConfig } from '../harness/config/lab-schema.js';
import { startDashboard } from '../test/support/dashboard/server.js';
import { startHttpStack } from '../test/support/http-stack.js';
import { labHost, observerContext, parseObserver, startWatch } from '../test/support/observer-watch.js';
import { startPostgres } from '../test/support/postgres.js';
import { fixtureTransportContext, sshdHostConfig, startSshd } from '../test/support/sshd.js';
import { tempDir } from '../test/support/tmp.js';

const EVENTS = Math.max(100, Number(process.argv[2] ?? 100));
const KINDS = (process.argv[3] ?? 'log,http,sse,webhook,postgres,browser,browser-live').split(',');
const wanted = (kind: string) => KINDS.includes(kind);
const CHECK = 'bench_check';
const POLL_MS = 250;

interface Row { name: string; p50: number; p95: number; max: number; targetMs: number; baselineMs: number }
const rows: Row[] = [];

/** Median of `times` runs of one bare round trip. */
async function baseline(times: number, once: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    await once();
    samples.push(performance.now() - started);
  }
  return percentile(samples, 50)!;
}

/**
 * Emits `EVENTS` events (each stamped with the wall time it was written) with
 * jittered spacing, and returns how long after its stamp each was accepted.
 */
async function measure(name: string, observer: Observer, host: HostConfig, options: {
  targetMs: number; baselineMs: number; spacingMs: number;
  /** Something for another check type, to tell when the observer is reading (it comes back rejected). */
  warmup?: () => Promise<void>;
  ready?: () => boolean;
  /** Wait for each event to be accepted before the next: a dashboard shows one state at a time. */
  oneAtATime?: boolean;
  emit: (index: number, at: number) => Promise<void>;
}): Promise<void> {
  const running = startWatch(observer, { host, checkType: CHECK, since: Date.now() - 1_000 });
  try {
    await options.warmup?.();
    const ready = options.ready ?? (() => running.rejected.length > 0);
    if (options.warmup || options.ready) await running.until(`${name} ready`, ready, 30_000);
    for (let i = 0; i < EVENTS; i += 1) {
      await options.emit(i, Date.now());
      if (options.oneAtATime) await running.until(`${name}: event ${i} accepted`, () => running.accepted.length > i, 30_000);
      await systemClock.sleep(options.spacingMs * (0.5 + Math.random()));
    }
    await running.until(`${name}: all ${EVENTS} events accepted`, () => running.accepted.length >= EVENTS, 120_000);
  } catch (error) {
    console.error(`${name}: ${(error as Error).message}; reporting the ${running.accepted.length} events accepted`);
  } finally {
    await running.stop();
    await observer.close();
  }
  const lags = running.accepted.map((signal) => signal.receivedAt - signal.at);
  if (lags.length === 0) return;
  rows.push({ name: lags.length < EVENTS ? `${name} [${lags.length}/${EVENTS}]` : name, p50: percentile(lags, 50)!, p95: percentile(lags, 95)!, max: Math.max(...lags), targetMs: options.targetMs, baselineMs: options.baselineMs });
  console.error(`${name}: done (${lags.length} events, ${running.rejected.length} rejected)`);
}

const event = (host: string, index: number, at: number, check = CHECK) => ({ kind: 'healed', at: new Date(at).toISOString(), host, check_type: check, runbook: `RB-${index}` });

await using scratch = await tempDir('chaoslab-lag-');

// log over a real sshd
if (wanted('log')) {
  await using sshd = await startSshd();
  const host = sshdHostConfig(sshd, { name: 'bench-host' });
  const transport = createSshTransport(host, fixtureTransportContext());
  const path = join(sshd.dir, 'agent.jsonl');
  await writeFile(path, '');
  const observer = new LogObserver(parseObserver({ kind: 'log', name: 'log', path }), observerContext({ transportFor: () => transport }));
  const baselineMs = await baseline(20, () => transport.exec('true'));
  await measure('log (ssh tail -F)', observer, host, {
    targetMs: 250, baselineMs, spacingMs: 20,
    warmup: () => appendFile(path, `${JSON.stringify(event('bench-host', -1, Date.now(), 'warmup'))}\n`),
    emit: (i, at) => appendFile(path, `${JSON.stringify(event('bench-host', i, at))}\n`),
  });
  await transport.close();
}

// http poll and SSE against a real local HTTP server
if (wanted('http')) {
  await using api = await startHttpStack();
  const host = labHost('bench-host');
  const baselineMs = await baseline(20, async () => (await fetch(`${api.url}/events?since=${new Date().toISOString()}`)).text());
  const poll = new HttpObserver(parseObserver({ kind: 'http', name: 'http-poll', url: `${api.url}/events`, poll_interval: `${POLL_MS}ms` }), observerContext());
  await measure(`http poll (${POLL_MS}ms)`, poll, host, { targetMs: POLL_MS + 100, baselineMs, spacingMs: 60, emit: async (i, at) => void api.publish(event('bench-host', i, at)) });
}
if (wanted('sse')) {
  // a stack of its own: a new stream replays the stack's whole history first
  await using api = await startHttpStack();
  const baselineMs = await baseline(20, async () => (await fetch(`${api.url}/events?since=${new Date().toISOString()}`)).text());
  const sse = new HttpObserver(parseObserver({ kind: 'http', name: 'http-sse', url: `${api.url}/stream`, mode: 'sse' }), observerContext());
  await measure('http SSE', sse, labHost('bench-host'), { targetMs: 100, baselineMs, spacingMs: 20, ready: () => api.openStreams() > 0, emit: async (i, at) => void api.publish(event('bench-host', i, at)) });
}

// webhook: the stack posts signed events
if (wanted('webhook')) {
  const host = labHost('bench-host');
  const webhook = new WebhookObserver(parseObserver({ kind: 'webhook', name: 'webhook', secret: 'env:HOOK' }), observerContext({ env: { HOOK: 'bench-secret' } }));
  await webhook.start();
  const baselineMs = await baseline(20, async () => (await fetch(webhook.url(), { method: 'POST', body: '[]', headers: webhookHeaders('[]', 'bench-secret') })).text());
  await measure('webhook', webhook, host, {
    targetMs: 100, baselineMs, spacingMs: 20,
    emit: async (i, at) => {
      const body = JSON.stringify(event('bench-host', i, at));
      await fetch(webhook.url(), { method: 'POST', body, headers: webhookHeaders(body, 'bench-secret') }).then((r) => r.text());
    },
  });
}

// postgres: polling, and polling woken by LISTEN/NOTIFY
if (wanted('postgres')) {
  await using db = await startPostgres();
  await db.sql(await readFile(join(import.meta.dirname, '../lab/examples/telemetry-schema.sql'), 'utf8'));
  const host = labHost('bench-host');
  const writer = await db.client();
  const baselineMs = await baseline(20, () => writer.query('SELECT 1'));
  const config = (overrides: Record<string, unknown>) => parseObserver({
    kind: 'postgres', name: 'postgres', url: 'env:DB', query: 'SELECT * FROM execution_telemetry WHERE created_at >= :cursor ORDER BY created_at, id',
    rules: [{ when: { success: true }, kind: 'claimed_healed' }], fields: { host: 'hostname', check_type: 'incident_type', at: 'completed_at', runbook: 'runbook_id' }, ...overrides,
  });
  const insert = (i: number, at: number) => writer.query(
    'INSERT INTO execution_telemetry (hostname, incident_type, runbook_id, success, started_at, completed_at) VALUES ($1, $2, $3, true, $4, $4)',
    ['bench-host', CHECK, `RB-${i}`, new Date(at)],
  ).then(() => undefined);
  const context = observerContext({ env: { DB: db.url } });
  await measure(`postgres poll (${POLL_MS}ms)`, new PostgresObserver(config({ poll_interval: `${POLL_MS}ms` }), context), host, { targetMs: POLL_MS + 100, baselineMs, spacingMs: 60, emit: insert });
  await db.sql('TRUNCATE execution_telemetry');
  await measure('postgres LISTEN/NOTIFY (poll 60s)', new PostgresObserver(config({ poll_interval: '60s', listen: 'execution_telemetry' }), context), host, {
    targetMs: 100, baselineMs, spacingMs: 20, emit: insert,
    // LISTEN is in place before the first query runs, so a row read by that query means notifications will arrive
    warmup: () => writer.query('INSERT INTO execution_telemetry (hostname, incident_type, success, started_at, completed_at) VALUES ($1, $2, true, now(), now())', ['bench-host', 'warmup']).then(() => undefined),
  });
  await writer.end();
}

// browser: Chromium re-reading a dashboard's incident page (reload), and one that updates itself over SSE (live)
for (const mode of ['reload', 'live'] as const) {
  if (!wanted(mode === 'reload' ? 'browser' : 'browser-live')) continue;
  await using dashboard = await startDashboard();
  const host = labHost('bench-host');
  const pollMs = 500;
  const observer = new BrowserObserver(parseObserver({
    kind: 'browser', name: 'browser', url: dashboard.url, mode,
    login: { username_selector: '#username', password_selector: '#password', submit_selector: '#submit', username: dashboard.username, password: 'env:PW', url: `${dashboard.url}/login`, success_selector: '#welcome' },
    incident_url: `${mode === 'live' ? '/live' : ''}/incidents/{host}/{check_type}`, selectors: { status: '#status', runbook: '#runbook', updated_at: '#updated' }, poll_interval: `${pollMs}ms`,
  }), observerContext({ env: { PW: dashboard.password }, evidenceDir: scratch.path }));
  await observer.probe(); // starts Chromium
  const baselineMs = await baseline(5, () => observer.probe()); // a context and one page load
  // reload: a poll, so ≤ interval + 100 ms; live: the page is pushed its changes, so ≤ 100 ms like SSE
  await measure(mode === 'reload' ? `browser (${pollMs}ms)` : `browser live (poll ${pollMs}ms)`, observer, host, {
    // a random pause of 0.5–1.5 poll intervals between states, so readings land at every phase of the interval
    targetMs: mode === 'reload' ? pollMs + 100 : 100, baselineMs, spacingMs: pollMs, ready: () => dashboard.views() > 0, oneAtATime: true,
    emit: async (i, at) => dashboard.setIncident('bench-host', CHECK, { status: 'healed', runbook: `RB-${i}`, updatedAt: new Date(at).toISOString() }),
  });
}

const fmt = (ms: number) => `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
console.log(`observer lag over ${EVENTS} events each (stack event time → Correlator accept), load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
console.log('kind'.padEnd(36), 'p50'.padStart(8), 'p95'.padStart(8), 'max'.padStart(8), 'target p95'.padStart(11), 'baseline rtt'.padStart(13), 'p95/rtt'.padStart(8), '  verdict');
for (const row of rows) {
  console.log(row.name.padEnd(36), fmt(row.p50).padStart(8), fmt(row.p95).padStart(8), fmt(row.max).padStart(8), `≤ ${fmt(row.targetMs)}`.padStart(11), fmt(row.baselineMs).padStart(13), `${(row.p95 / Math.max(row.baselineMs, 0.1)).toFixed(1)}×`.padStart(8), row.p95 <= row.targetMs ? '  meets target' : '  MISSES target');
}

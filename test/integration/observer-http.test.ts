import { afterEach, describe, expect, it } from 'vitest';
import { ObserverUnavailableError } from '../../harness/core/errors.js';
import { HttpObserver } from '../../harness/observers/http.js';
import { startHttpStack, type HttpStack } from '../support/http-stack.js';
import { labHost, observerContext, parseObserver, startWatch, type RunningWatch } from '../support/observer-watch.js';

const host = labHost('lin-web-1', { aliases: ['lin-web-1.lab.example'] });
const fields = { kind: 'status', at: 'completed_at', host: 'details.hostname', check_type: 'incident_type', runbook: 'runbook_id', tier: 'resolution_level', id: 'id' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function stack(options: Parameters<typeof startHttpStack>[0] = {}): Promise<HttpStack> {
  const started = await startHttpStack(options);
  cleanups.push(() => started.close());
  return started;
}

function observer(config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): HttpObserver {
  const created = new HttpObserver(parseObserver({ kind: 'http', name: 'stack-api', fields, poll_interval: '100ms', ...config }), observerContext({ env }));
  cleanups.push(() => created.close());
  return created;
}

function watch(target: HttpObserver): RunningWatch {
  const running = startWatch(target, { host, checkType: 'firewall' });
  cleanups.push(() => running.stop());
  return running;
}

const heal = (overrides: Record<string, unknown> = {}) => ({
  status: 'resolved', completed_at: new Date().toISOString(), incident_type: 'firewall', runbook_id: 'RB-LIN-FW-001', resolution_level: 'L1', details: { hostname: 'lin-web-1.lab.example' }, ...overrides,
});

describe('http observer, poll mode', () => {
  it('polls with a since cursor, maps fields by JSON path, and rejects stale, foreign and duplicate events', async () => {
    const api = await stack({ itemsKey: 'data', timeField: 'completed_at' });
    api.publish(heal({ completed_at: new Date(Date.now() - 3_600_000).toISOString() }));
    const running = watch(observer({ url: `${api.url}/events`, items: 'data', kinds: { resolved: 'claimed_healed', open: 'detected' } }));
    api.publish(heal({ status: 'open' }));
    api.publish(heal({ details: { hostname: 'lin-web-2' } }));
    api.publish(heal({ incident_type: 'dns_config' }));
    const healed = api.publish(heal());
    await running.until('the heal is accepted', () => running.accepted.some((s) => s.kind === 'claimed_healed'));
    await running.until('three polls', () => api.requests.length >= 3);

    expect(running.accepted.map((s) => [s.kind, s.runbook, s.tier])).toEqual([['detected', 'RB-LIN-FW-001', 'L1'], ['claimed_healed', 'RB-LIN-FW-001', 'L1']]);
    // polls ask for `since >= newest`: records that come back again are not offered twice
    expect(running.rejected.map((r) => r.reason)).toEqual(['other_host', 'other_check']);
    // the cursor moves to the newest event, so later polls ask only for what is new
    const cursors = api.requests.map((r) => new URL(r.path, api.url).searchParams.get('since')!);
    expect(Date.parse(cursors.at(-1)!)).toBe(Date.parse(healed.completed_at as string));
    expect(Date.parse(cursors[0]!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps its cursor through a burst of 5xx and a 429 with Retry-After, and loses no event', async () => {
    const api = await stack({ timeField: 'completed_at' });
    const running = watch(observer({ url: `${api.url}/events` }));
    await running.until('first poll', () => api.requests.length >= 1);
    const first = api.publish(heal());
    await running.until('first heal', () => running.accepted.length === 1);
    const sinceOf = (index: number) => new URL(api.requests[index]!.path, api.url).searchParams.get('since');
    await running.until('a poll with the moved cursor', () => sinceOf(api.requests.length - 1) === first.completed_at);
    const burstStart = api.requests.length;
    api.failNext(3, 503);
    api.failNext(1, 429, { 'retry-after': '1' });
    const afterBurst = api.publish(heal({ completed_at: new Date(Date.now() + 10).toISOString() }));
    await running.until('second heal after the burst', () => running.accepted.length === 2);
    // the four failed requests and the one that succeeded all asked from the same cursor
    const burst = [0, 1, 2, 3, 4].map((offset) => sinceOf(burstStart + offset));
    expect(burst).toEqual(Array(5).fill(first.completed_at));
    expect(running.accepted.map((s) => (s.raw as { id: number }).id)).toEqual([first.id, afterBurst.id]);
    expect(running.error()).toBeUndefined();
  });

  it('sends bearer credentials from an env reference, and is unavailable at once on 401', async () => {
    const api = await stack({ authorization: 'Bearer s3cret-token' });
    const good = watch(observer({ url: `${api.url}/events`, auth: { type: 'bearer', token: 'env:STACK_TOKEN' } }, { STACK_TOKEN: 's3cret-token' }));
    await good.until('an authorised poll', () => api.requests.some((r) => r.authorization === 'Bearer s3cret-token'));
    expect(good.error()).toBeUndefined();

    const bad = watch(observer({ url: `${api.url}/events`, auth: { type: 'bearer', token: 'env:STACK_TOKEN' } }, { STACK_TOKEN: 'wrong' }));
    await bad.done;
    expect(bad.error()).toBeInstanceOf(ObserverUnavailableError);
    expect(String(bad.error())).toMatch(/401 Unauthorized: check its credentials/);
  });

  it('sends basic credentials with the password from an env reference', async () => {
    const api = await stack({ authorization: `Basic ${Buffer.from('chaoslab:pa:ss').toString('base64')}` });
    api.publish(heal());
    const running = watch(observer({ url: `${api.url}/events`, auth: { type: 'basic', username: 'chaoslab', password: 'env:STACK_PASSWORD' } }, { STACK_PASSWORD: 'pa:ss' }));
    await running.until('a heal read with basic auth', () => running.accepted.length === 1);
    const missing = watch(observer({ url: `${api.url}/events`, auth: { type: 'basic', username: 'chaoslab', password: 'env:STACK_PASSWORD' } }));
    await missing.done;
    expect(String(missing.error())).toMatch(/cannot resolve its credentials: secret env:STACK_PASSWORD: environment variable STACK_PASSWORD is not set/);
  });

  it('reports a malformed body and keeps polling', async () => {
    const api = await stack();
    api.publish({ not: 'an event' });
    const running = watch(observer({ url: `${api.url}/events` }));
    await running.until('a malformed record', () => running.rejected.some((r) => r.reason === 'malformed'));
    expect(running.rejected[0]!.detail).toMatch(/field status \(kind\) is missing/);
  });
});

describe('http observer, SSE mode', () => {
  it('parses the event stream, survives a dropped connection and resumes with Last-Event-ID', async () => {
    const api = await stack();
    const running = watch(observer({ url: `${api.url}/stream`, mode: 'sse' }));
    await running.until('stream open', () => api.openStreams() === 1);
    api.publish(heal({ id: 'x1' }));
    api.publish(heal({ id: 'x2', status: 'escalated' }));
    await running.until('two events', () => running.accepted.length === 2);
    api.dropStreams();
    api.publish(heal({ id: 'x3', status: 'failed' }));
    await running.until('third event after reconnect', () => running.accepted.length === 3);
    expect(running.accepted.map((s) => s.kind)).toEqual(['claimed_healed', 'escalated', 'heal_failed']);
    expect(api.requests.filter((r) => r.path.startsWith('/stream')).at(-1)!.lastEventId).toBe('2');
    expect(running.rejected.filter((r) => r.reason === 'duplicate')).toEqual([]);
  });

  it('backs off through a 5xx burst on reconnect and then streams again', async () => {
    const api = await stack();
    const running = watch(observer({ url: `${api.url}/stream`, mode: 'sse' }));
    await running.until('stream open', () => api.openStreams() === 1);
    api.failNext(2, 502);
    api.dropStreams();
    await running.until('reopened after the burst', () => api.openStreams() === 1);
    api.publish(heal());
    await running.until('event after the burst', () => running.accepted.length === 1);
    expect(api.requests.length).toBeGreaterThanOrEqual(4);
  });

  it('is unavailable promptly when nothing listens', async () => {
    const api = await stack();
    const url = `${api.url}/stream`;
    await api.close();
    const started = Date.now();
    const sse = watch(observer({ url, mode: 'sse' }));
    await sse.done;
    expect(sse.error()).toBeInstanceOf(ObserverUnavailableError);
    expect(String(sse.error())).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(observer({ url: `${url.replace('/stream', '/events')}` }).probe()).rejects.toBeInstanceOf(ObserverUnavailableError);
  });
});

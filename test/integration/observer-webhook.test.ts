import { createHmac } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { systemClock } from '../../harness/core/clock.js';
import { ObserverUnavailableError } from '../../harness/core/errors.js';
import { waitFor } from '../../harness/core/wait.js';
import type { Logger } from '../../harness/core/logger.js';
import { WebhookObserver } from '../../harness/observers/webhook.js';
import { webhookHeaders } from '../../harness/observers/webhook-signature.js';
import { labHost, observerContext, parseObserver, startWatch, type RunningWatch } from '../support/observer-watch.js';

const SECRET = 'webhook-shared-secret';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A pino logger whose lines the test can read. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

async function webhook(extra: Record<string, unknown> = {}, logger?: Logger): Promise<WebhookObserver> {
  const observer = new WebhookObserver(
    parseObserver({ kind: 'webhook', name: 'stack-hook', secret: 'env:HOOK_SECRET', ...extra }),
    observerContext({ env: { HOOK_SECRET: SECRET }, ...(logger && { logger }) }),
  );
  cleanups.push(() => observer.close());
  await observer.start();
  return observer;
}

function watch(observer: WebhookObserver, hostName: string): RunningWatch {
  const running = startWatch(observer, { host: labHost(hostName), checkType: 'firewall', since: Date.now() - 1_000 });
  cleanups.push(() => running.stop());
  return running;
}

async function post(url: string, body: string, signed?: Record<string, string>): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signed } });
  return { status: response.status, text: await response.text() };
}

/** Sends raw bytes (a request fetch would refuse to send) and returns what the server answered. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.end(request));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer)).on('error', reject);
  });
}

const heal = (host: string, extra: Record<string, unknown> = {}) => ({ kind: 'healed', at: new Date().toISOString(), host, check_type: 'firewall', ...extra });

describe('webhook observer', () => {
  it('accepts signed single events and arrays, routing each to the watch of its host', async () => {
    const observer = await webhook();
    const web1 = watch(observer, 'web-1');
    const web2 = watch(observer, 'web-2');
    await web1.until('subscribed', () => true);
    const single = JSON.stringify(heal('web-1', { runbook: 'RB-1' }));
    expect(await post(observer.url(), single, webhookHeaders(single, SECRET))).toMatchObject({ status: 202 });
    const batch = JSON.stringify([heal('web-2'), heal('WEB-2', { kind: 'escalated' })]);
    expect(await post(observer.url(), batch, webhookHeaders(batch, SECRET))).toMatchObject({ status: 202 });
    await web2.until('two events for web-2', () => web2.accepted.length === 2);
    await web1.until('one event for web-1', () => web1.accepted.length === 1);
    expect(web1.accepted[0]).toMatchObject({ kind: 'claimed_healed', runbook: 'RB-1' });
    expect(web2.accepted.map((s) => s.kind)).toEqual(['claimed_healed', 'escalated']);
    expect(web1.rejected).toEqual([]);
  });

  it('shows an event for a host nobody watches to every watch, as another host', async () => {
    const observer = await webhook();
    const running = watch(observer, 'web-1');
    const body = JSON.stringify(heal('web-9'));
    expect((await post(observer.url(), body, webhookHeaders(body, SECRET))).status).toBe(202);
    await running.until('rejected as other host', () => running.rejected.length === 1);
    expect(running.rejected[0]).toMatchObject({ reason: 'other_host', detail: 'event for host web-9, attempt targets web-1' });
  });

  it('refuses bad and missing signatures with 401 and a log line, and delivers nothing', async () => {
    const { logger, lines } = capturingLogger();
    const observer = await webhook({}, logger);
    const running = watch(observer, 'web-1');
    const body = JSON.stringify(heal('web-1'));
    const forged = await post(observer.url(), body, webhookHeaders(body, 'not-the-secret'));
    expect(forged.status).toBe(401);
    expect(forged.text).toMatch(/bad signature: needs webhook-id, webhook-timestamp \(Unix seconds\) and webhook-signature/);
    expect((await post(observer.url(), body)).status).toBe(401);
    expect((await post(observer.url(), body, { ...webhookHeaders(body, SECRET), 'webhook-signature': 'v1,zz' })).status).toBe(401);
    // a correct signature of a different body does not authorise this one
    expect((await post(observer.url(), body, webhookHeaders(`${body} `, SECRET))).status).toBe(401);
    expect(lines.filter((line) => line.status === 401)).toHaveLength(4);
    expect(String(lines.find((line) => line.status === 401)!.msg)).toMatch(/webhook request refused: bad signature/);
    expect(running.outputs).toEqual([]);
  });

  it('refuses malformed bodies with 400 and keeps the malformed record as evidence', async () => {
    const { logger, lines } = capturingLogger();
    const observer = await webhook({}, logger);
    const running = watch(observer, 'web-1');
    const notJson = '{"kind": healed';
    const response = await post(observer.url(), notJson, webhookHeaders(notJson, SECRET));
    expect(response).toMatchObject({ status: 400, text: expect.stringMatching(/malformed body: not JSON/) });
    const noHost = JSON.stringify({ kind: 'healed', at: Date.now(), check_type: 'firewall' });
    expect(await post(observer.url(), noHost, webhookHeaders(noHost, SECRET))).toMatchObject({ status: 400, text: expect.stringMatching(/field host \(host\) is missing/) });
    await running.until('two malformed records', () => running.rejected.length === 2);
    expect(running.rejected.map((r) => r.reason)).toEqual(['malformed', 'malformed']);
    expect(lines.filter((line) => line.status === 400)).toHaveLength(2);
    expect((await fetch(observer.url())).status).toBe(405);
  });

  it('answers a malformed request target (GET //[) with 400 and stays up', async () => {
    const observer = await webhook();
    const url = new URL(observer.url());
    const raw = await rawRequest(Number(url.port), 'GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.stringify(heal('web-1'));
    expect((await post(observer.url(), body, webhookHeaders(body, SECRET))).status).toBe(202);
  });

  it('refuses requests from a web page (an Origin header), even correctly signed', async () => {
    const observer = await webhook();
    const running = watch(observer, 'web-1');
    const body = JSON.stringify(heal('web-1'));
    const response = await fetch(observer.url(), { method: 'POST', body, headers: { 'content-type': 'text/plain', origin: 'http://evil.example', ...webhookHeaders(body, SECRET) } });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Origin header');
    expect(running.outputs).toEqual([]);
  });

  it('refuses a signed request outside the replay window, and the same request a second time', async () => {
    const observer = await webhook();
    const running = watch(observer, 'web-1');
    const body = JSON.stringify(heal('web-1'));
    const stale = await post(observer.url(), body, webhookHeaders(body, SECRET, { nowMs: Date.now() - 6 * 60_000 }));
    expect(stale).toMatchObject({ status: 401, text: expect.stringMatching(/webhook-timestamp is 3\d\d s from chaoslab's clock \(at most 300 s\)/) });
    const headers = webhookHeaders(body, SECRET, { id: 'msg_once' });
    expect((await post(observer.url(), body, headers)).status).toBe(202);
    expect(await post(observer.url(), body, headers)).toMatchObject({ status: 401, text: expect.stringContaining('webhook-id msg_once was already delivered') });
    await running.until('the one delivered heal', () => running.accepted.length === 1);
    expect(running.accepted).toHaveLength(1);
  });

  it('takes a whsec_ secret as base64 of the key (Standard Webhooks)', async () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const observer = new WebhookObserver(parseObserver({ kind: 'webhook', name: 'std-hook', secret: 'env:STD_SECRET' }), observerContext({ env: { STD_SECRET: `whsec_${key.toString('base64')}` } }));
    cleanups.push(() => observer.close());
    await observer.start();
    const body = JSON.stringify(heal('web-1'));
    const id = 'msg_std';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
    expect((await post(observer.url(), body, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,bm9wZQ== ${signature}` })).status).toBe(202);
  });

  it('needs a secret unless insecure_unsigned: true, which then accepts unsigned events', async () => {
    expect(() => parseObserver({ kind: 'webhook', name: 'open-hook' })).toThrow(/needs `secret`.*or `insecure_unsigned: true`/);
    const observer = new WebhookObserver(parseObserver({ kind: 'webhook', name: 'open-hook', insecure_unsigned: true }), observerContext());
    cleanups.push(() => observer.close());
    await observer.start();
    const body = JSON.stringify(heal('web-1'));
    expect((await post(observer.url(), body)).status).toBe(202);
  });

  it('drops a client that never finishes its headers', async () => {
    const observer = await webhook();
    const port = Number(new URL(observer.url()).port);
    const slow = connect({ host: '127.0.0.1', port });
    let answer = '';
    slow.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    slow.write('POST /chaoslab/events HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await new Promise<void>((resolve) => slow.on('close', () => resolve()).on('error', () => undefined));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('100 idle connections from one client do not stop a real signed post from another: the longest idle make room (issue #25)', async () => {
    const observer = await webhook();
    const port = Number(new URL(observer.url()).port);
    const idle: Socket[] = [];
    const closed = new Set<Socket>();
    cleanups.push(async () => idle.forEach((socket) => socket.destroy()));
    for (let i = 0; i < 100; i += 1) {
      const socket = connect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined).on('close', () => closed.add(socket));
      idle.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
    }
    // the server holds at most MAX_WEBHOOK_CONNECTIONS: the oldest 36 idle ones were closed, the newest are open
    await waitFor(async () => (closed.size >= 36 ? true : undefined), { clock: systemClock, timeoutMs: 10_000, intervalMs: 20, description: 'the oldest idle connections to be closed' });
    expect(idle.slice(0, 36).every((socket) => closed.has(socket))).toBe(true);
    expect(idle.slice(-10).some((socket) => closed.has(socket))).toBe(false);
    const running = watch(observer, 'web-1');
    const body = JSON.stringify(heal('web-1'));
    // the idle connections are still held open while the real sender posts
    expect(await post(observer.url(), body, webhookHeaders(body, SECRET))).toMatchObject({ status: 202 });
    await running.until('the signed heal', () => running.accepted.length === 1);
  });

  it('is unavailable when it cannot listen on its port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as AddressInfo).port;
    const observer = new WebhookObserver(parseObserver({ kind: 'webhook', name: 'stack-hook', insecure_unsigned: true, listen: { port } }), observerContext());
    cleanups.push(() => observer.close());
    await expect(observer.probe()).rejects.toThrow(ObserverUnavailableError);
    await expect(observer.probe()).rejects.toThrow(/cannot listen on 127.0.0.1:\d+: .*EADDRINUSE/);
    const running = startWatch(observer, { host: labHost('web-1'), checkType: 'firewall' });
    await running.done;
    expect(running.error()).toBeInstanceOf(ObserverUnavailableError);
  });
});

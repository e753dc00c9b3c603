import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ObserverUnavailableError } from '../../harness/core/errors.js';
import type { Logger } from '../../harness/core/logger.js';
import { signBody, WebhookObserver } from '../../harness/observers/webhook.js';
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

async function post(url: string, body: string, signature?: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...(signature && { 'x-chaoslab-signature': signature }) } });
  return { status: response.status, text: await response.text() };
}

const heal = (host: string, extra: Record<string, unknown> = {}) => ({ kind: 'healed', at: new Date().toISOString(), host, check_type: 'firewall', ...extra });

describe('webhook observer', () => {
  it('accepts signed single events and arrays, routing each to the watch of its host', async () => {
    const observer = await webhook();
    const web1 = watch(observer, 'web-1');
    const web2 = watch(observer, 'web-2');
    await web1.until('subscribed', () => true);
    const single = JSON.stringify(heal('web-1', { runbook: 'RB-1' }));
    expect(await post(observer.url(), single, signBody(single, SECRET))).toMatchObject({ status: 202 });
    const batch = JSON.stringify([heal('web-2'), heal('WEB-2', { kind: 'escalated' })]);
    expect(await post(observer.url(), batch, signBody(batch, SECRET))).toMatchObject({ status: 202 });
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
    expect((await post(observer.url(), body, signBody(body, SECRET))).status).toBe(202);
    await running.until('rejected as other host', () => running.rejected.length === 1);
    expect(running.rejected[0]).toMatchObject({ reason: 'other_host', detail: 'event for host web-9, attempt targets web-1' });
  });

  it('refuses bad and missing signatures with 401 and a log line, and delivers nothing', async () => {
    const { logger, lines } = capturingLogger();
    const observer = await webhook({}, logger);
    const running = watch(observer, 'web-1');
    const body = JSON.stringify(heal('web-1'));
    const forged = await post(observer.url(), body, signBody(body, 'not-the-secret'));
    expect(forged.status).toBe(401);
    expect(forged.text).toMatch(/bad or missing x-chaoslab-signature signature/);
    expect((await post(observer.url(), body)).status).toBe(401);
    expect((await post(observer.url(), body, 'sha256=zz')).status).toBe(401);
    // a correct signature of a different body does not authorise this one
    expect((await post(observer.url(), body, signBody(`${body} `, SECRET))).status).toBe(401);
    expect(lines.filter((line) => line.status === 401)).toHaveLength(4);
    expect(String(lines.find((line) => line.status === 401)!.msg)).toMatch(/webhook request refused: bad or missing/);
    expect(running.outputs).toEqual([]);
  });

  it('refuses malformed bodies with 400 and keeps the malformed record as evidence', async () => {
    const { logger, lines } = capturingLogger();
    const observer = await webhook({}, logger);
    const running = watch(observer, 'web-1');
    const notJson = '{"kind": healed';
    const response = await post(observer.url(), notJson, signBody(notJson, SECRET));
    expect(response).toMatchObject({ status: 400, text: expect.stringMatching(/malformed body: not JSON/) });
    const noHost = JSON.stringify({ kind: 'healed', at: Date.now(), check_type: 'firewall' });
    expect(await post(observer.url(), noHost, signBody(noHost, SECRET))).toMatchObject({ status: 400, text: expect.stringMatching(/field host \(host\) is missing/) });
    await running.until('two malformed records', () => running.rejected.length === 2);
    expect(running.rejected.map((r) => r.reason)).toEqual(['malformed', 'malformed']);
    expect(lines.filter((line) => line.status === 400)).toHaveLength(2);
    expect((await fetch(observer.url())).status).toBe(405);
  });

  it('is unavailable when it cannot listen on its port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as AddressInfo).port;
    const observer = new WebhookObserver(parseObserver({ kind: 'webhook', name: 'stack-hook', listen: { port } }), observerContext());
    cleanups.push(() => observer.close());
    await expect(observer.probe()).rejects.toThrow(ObserverUnavailableError);
    await expect(observer.probe()).rejects.toThrow(/cannot listen on 127.0.0.1:\d+: .*EADDRINUSE/);
    const running = startWatch(observer, { host: labHost('web-1'), checkType: 'firewall' });
    await running.done;
    expect(running.error()).toBeInstanceOf(ObserverUnavailableError);
  });
});

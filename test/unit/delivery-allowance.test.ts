import { describe, expect, it } from 'vitest';
import { observerSchema } from '../../harness/config/observer-schema.js';
import { deliveryAllowanceMs, deliveryAllowances } from '../../harness/observers/delivery.js';

/** A claim may reach chaoslab this long after the SLA and still be on time: 1 s of slack, plus the poll interval for kinds that poll. */
describe('delivery allowance per observer kind', () => {
  it.each([
    { kind: 'log (a tail is a push)', config: { name: 'a', kind: 'log', path: '/var/log/x' }, ms: 1000 },
    { kind: 'webhook', config: { name: 'a', kind: 'webhook' }, ms: 1000 },
    { kind: 'http sse', config: { name: 'a', kind: 'http', url: 'http://127.0.0.1:1/e', mode: 'sse' }, ms: 1000 },
    { kind: 'http poll, default interval 1 s', config: { name: 'a', kind: 'http', url: 'http://127.0.0.1:1/e' }, ms: 2000 },
    { kind: 'http poll every 5 s', config: { name: 'a', kind: 'http', url: 'http://127.0.0.1:1/e', poll_interval: '5s' }, ms: 6000 },
    { kind: 'postgres (LISTEN only hastens the poll)', config: { name: 'a', kind: 'postgres', url: 'env:DB', query: 'select 1', listen: 'ch' }, ms: 2000 },
    { kind: 'browser, default 2 s reading interval', config: { name: 'a', kind: 'browser', url: 'http://127.0.0.1:1/', incident_url: '/i', selectors: { status: '#s' } }, ms: 3000 },
    { kind: 'an explicit delivery_allowance wins', config: { name: 'a', kind: 'http', url: 'http://127.0.0.1:1/e', poll_interval: '5s', delivery_allowance: '30s' }, ms: 30_000 },
  ])('$kind → $ms ms', ({ config, ms }) => {
    expect(deliveryAllowanceMs(observerSchema.parse(config))).toBe(ms);
  });

  it('lists every observer of an inventory by name', () => {
    const observers = [observerSchema.parse({ name: 'agent-log', kind: 'log', path: '/x' }), observerSchema.parse({ name: 'api', kind: 'http', url: 'http://127.0.0.1:1/e', delivery_allowance: '0s' })];
    expect(deliveryAllowances(observers)).toEqual({ 'agent-log': 1000, api: 0 });
  });
});

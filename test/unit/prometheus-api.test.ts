import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promQuery } from '../../harness/observers/prometheus-api.js';

/**
 * The answer shapes of /api/v1/query that the observer and the halt probe
 * both rely on. The real Prometheus is exercised in test/integration
 * (observer-prometheus, halt-prometheus); here each shape the API documents is
 * served once so every branch of the parser is pinned, including the ones a
 * healthy Prometheus rarely produces (429, a proxy's HTML page, a matrix).
 */
const answers: Record<string, { status: number; body: string; headers?: Record<string, string> }> = {
  vector: { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { check: 'ssh' }, value: [1700000000.5, '3'] }] } }) },
  scalar: { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1700000001, '0.25'] } }) },
  matrix: { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }) },
  bad: { status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 4' }) },
  busy: { status: 503, body: 'overloaded', headers: { 'retry-after': '7' } },
  html: { status: 200, body: '<html>login</html>' },
};

let server: Server;
let base: string;
const seen: { query: string | null; authorization?: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url!, 'http://x');
    const query = url.searchParams.get('query');
    seen.push({ query, authorization: request.headers.authorization });
    const answer = answers[query ?? ''] ?? answers.bad!;
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prom`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ask = (query: string, authorization?: string) => promQuery(base, query, { signal: new AbortController().signal, timeoutMs: 5_000, authorization });

describe('promQuery', () => {
  it('reads a vector with each series labels, value and evaluation time, under the base path, with the credentials given', async () => {
    expect(await ask('vector', 'Bearer t')).toEqual({ kind: 'samples', resultType: 'vector', samples: [{ labels: { check: 'ssh' }, value: 3, evaluatedAt: 1700000000500 }] });
    expect(seen.at(-1)).toEqual({ query: 'vector', authorization: 'Bearer t' });
  });

  it('reads a scalar as one unlabelled sample', async () => {
    expect(await ask('scalar')).toEqual({ kind: 'samples', resultType: 'scalar', samples: [{ labels: {}, value: 0.25, evaluatedAt: 1700000001000 }] });
  });

  it('refuses a range result, a bad query with the server error text, and a body that is not the API', async () => {
    expect(await ask('matrix')).toEqual({ kind: 'refused', message: 'query matrix returned a matrix, not an instant vector or scalar' });
    expect(await ask('bad')).toEqual({ kind: 'refused', message: 'query bad failed (400): parse error at char 4' });
    expect(await ask('html')).toEqual({ kind: 'refused', message: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/prom\/api\/v1\/query answered 200 with no Prometheus API body: <html>login/) });
  });

  it('calls a 5xx busy with the server Retry-After, and no answer at all unreachable', async () => {
    expect(await ask('busy')).toEqual({ kind: 'busy', message: expect.stringMatching(/answered 503$/), retryAfterMs: 7000 });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await promQuery(`http://127.0.0.1:${port}`, 'up', { signal: new AbortController().signal, timeoutMs: 5_000 });
    expect(down).toEqual({ kind: 'unreachable', message: `GET http://127.0.0.1:${port}/api/v1/query failed: ECONNREFUSED` });
  });

  it('throws when its own signal aborts instead of calling the server unreachable', async () => {
    const controller = new AbortController();
    controller.abort(new Error('run interrupted'));
    await expect(promQuery(base, 'vector', { signal: controller.signal, timeoutMs: 5_000 })).rejects.toThrow('run interrupted');
  });
});

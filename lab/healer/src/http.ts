import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { EventLog, HealerEvent } from './events.js';
import type { ScanSummary } from './scanner.js';

export interface HealthInfo {
  readonly host: string;
  readonly rules: number;
  readonly intervalMs: number;
  readonly scan: () => ScanSummary;
}

/** `since` is epoch ms or an ISO timestamp (the `at` of the last event a client saw). */
function parseSince(value: string | null): number | undefined {
  if (value === null || value === '') return Number.NEGATIVE_INFINITY;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function streamEvents(request: IncomingMessage, response: ServerResponse, log: EventLog, url: URL): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const write = (event: HealerEvent) => response.write(`id: ${event.seq}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`);
  const lastId = request.headers['last-event-id'];
  const since = parseSince(url.searchParams.get('since'));
  const backlog = typeof lastId === 'string' && /^\d+$/.test(lastId) ? log.afterSeq(Number(lastId)) : url.searchParams.has('since') && since !== undefined ? log.since(since) : [];
  backlog.forEach(write);
  const unsubscribe = log.subscribe(write);
  // Comments keep idle proxies and clients from timing the stream out.
  const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
  request.on('close', () => {
    clearInterval(keepAlive);
    unsubscribe();
  });
}

/** The healer's HTTP API: /health, /events?since=, /events/stream (Server-Sent Events). */
export function startHttpApi(log: EventLog, health: HealthInfo, port: number, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://healer.invalid');
    if (request.method !== 'GET') return sendJson(response, 405, { error: 'only GET is served' });
    if (url.pathname === '/health') {
      const scan = health.scan();
      return sendJson(response, 200, {
        status: 'ok',
        host: health.host,
        rules: health.rules,
        scan_interval_ms: health.intervalMs,
        scans: scan.scans,
        last_scan_at: scan.lastScanAt === undefined ? null : new Date(scan.lastScanAt).toISOString(),
        last_scan_ms: scan.lastScanMs ?? null,
        events: log.count,
      });
    }
    if (url.pathname === '/events') {
      const since = parseSince(url.searchParams.get('since'));
      if (since === undefined) return sendJson(response, 400, { error: 'since must be epoch milliseconds or an ISO 8601 timestamp' });
      return sendJson(response, 200, log.since(since));
    }
    if (url.pathname === '/events/stream') return streamEvents(request, response, log, url);
    return sendJson(response, 404, { error: `no route ${url.pathname}` });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

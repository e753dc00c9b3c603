import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A small real healing-stack API on 127.0.0.1 for observer tests and the lag
 * benchmark: `GET /events?since=` (JSON, poll mode) and `GET /stream`
 * (text/event-stream with ids, Last-Event-ID resume). Tests add events, make
 * the next requests fail with a status, or cut streams mid-way.
 */
export interface StackEvent {
  readonly id: number;
  readonly [field: string]: unknown;
}

export interface HttpStackOptions {
  /** Required `Authorization` header value; others get 401. */
  authorization?: string;
  /** Wrap poll responses as `{ [itemsKey]: [...] , cursor }` instead of a bare array. */
  itemsKey?: string;
  /** Field of an event compared with `since` (default `at`, ISO or epoch ms). */
  timeField?: string;
}

export interface HttpStack extends AsyncDisposable {
  readonly url: string;
  /** Requests seen: method, path with query, Last-Event-ID. */
  readonly requests: { path: string; lastEventId?: string; authorization?: string }[];
  /** Adds an event (its id is assigned) and pushes it to open streams. */
  publish(event: Record<string, unknown>): StackEvent;
  /** The next `count` requests (poll or stream) answer `status` (e.g. 503, 429). */
  failNext(count: number, status: number, headers?: Record<string, string>): void;
  /** Destroys every open event stream's socket mid-stream (a dropped connection). */
  dropStreams(): void;
  openStreams(): number;
  close(): Promise<void>;
}

/** An event time or a `since` value: epoch ms (number or digits) or an ISO string. */
function timeOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return Number.NaN;
  return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
}

export async function startHttpStack(options: HttpStackOptions = {}): Promise<HttpStack> {
  const events: StackEvent[] = [];
  const streams = new Set<ServerResponse>();
  const requests: HttpStack['requests'] = [];
  const failures: { status: number; headers: Record<string, string> }[] = [];
  const sockets = new Set<Socket>();
  const timeField = options.timeField ?? 'at';

  const sendEvent = (res: ServerResponse, event: StackEvent) => {
    const lines = JSON.stringify(event, null, 1).split('\n').map((line) => `data: ${line}`).join('\n');
    res.write(`id: ${event.id}\nevent: heal\n${lines}\n\n`);
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const lastEventId = req.headers['last-event-id'] as string | undefined;
    requests.push({ path: url.pathname + url.search, ...(lastEventId && { lastEventId }), ...(req.headers.authorization && { authorization: req.headers.authorization }) });
    if (options.authorization && req.headers.authorization !== options.authorization) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('unauthorised');
      return;
    }
    const failure = failures.shift();
    if (failure) {
      res.writeHead(failure.status, failure.headers).end(`failing on purpose with ${failure.status}`);
      return;
    }
    if (url.pathname === '/events') {
      const since = timeOf(url.searchParams.get('since'));
      const items = events.filter((event) => !Number.isFinite(since) || !(timeOf(event[timeField]) < since));
      const body = options.itemsKey ? { [options.itemsKey]: items, cursor: null } : items;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (url.pathname === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': connected\nretry: 50\n\n');
      const after = lastEventId === undefined ? 0 : Number(lastEventId);
      for (const event of events.filter((e) => e.id > after)) sendEvent(res, event);
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    res.writeHead(404).end('not found');
  };

  const server = createServer(handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const close = async () => {
    for (const stream of streams) stream.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    publish(fields) {
      const event: StackEvent = { ...fields, id: events.length + 1 };
      events.push(event);
      for (const stream of streams) sendEvent(stream, event);
      return event;
    },
    failNext(count, status, headers = {}) {
      for (let i = 0; i < count; i += 1) failures.push({ status, headers });
    },
    dropStreams() {
      for (const stream of streams) stream.socket?.destroy();
      streams.clear();
    },
    openStreams: () => streams.size,
    close,
    [Symbol.asyncDispose]: close,
  };
}

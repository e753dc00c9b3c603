import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObserverConfigOf } from '../config/observer-schema.js';
import { errorMessage, ObserverUnavailableError } from '../core/errors.js';
import { hostNames, normalizeName } from './correlate.js';
import { mapJson } from './fields.js';
import type { Observer, ObserverContext, ObserverOutput, WatchRequest } from './observer.js';
import { AsyncQueue } from './queue.js';
import { ConnectionTable } from './webhook-connections.js';
import { ReplayGuard, verifyWebhook } from './webhook-signature.js';

type WebhookConfig = ObserverConfigOf<'webhook'>;

const MAX_BODY_BYTES = 1024 * 1024;
/** Slow or idle clients cannot hold the server: a sender that needs longer than this is broken or hostile. */
const HEADERS_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;

interface Subscriber {
  readonly names: Set<string>;
  readonly queue: AsyncQueue<ObserverOutput>;
}

/**
 * The `webhook` observer: chaoslab listens on 127.0.0.1 and the stack POSTs
 * its events (one object or an array). One server serves every attempt; an
 * event goes to the watches of the host it names, or, when no watch targets
 * that host, to every watch, so a heal sent to the wrong machine shows up as
 * a rejected event in the evidence of the attempts running at the time.
 */
export class WebhookObserver implements Observer {
  readonly kind = 'webhook';
  readonly name: string;
  private server: Server | undefined;
  private starting: Promise<void> | undefined;
  private secret: string | undefined;
  private readonly replays = new ReplayGuard();
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly config: WebhookConfig, private readonly context: ObserverContext) {
    this.name = config.name;
  }

  /** The URL the stack must POST to (after the server has started). */
  url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error(`webhook observer ${this.name} is not listening yet`);
    return `http://${this.config.listen.host}:${address.port}${this.config.path}`;
  }

  start(): Promise<void> {
    this.starting ??= this.listen().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async listen(): Promise<void> {
    try {
      this.secret = this.config.secret === undefined ? undefined : await this.context.resolveSecret(this.config.secret);
    } catch (error) {
      throw new ObserverUnavailableError(this.name, `cannot resolve its signing secret: ${errorMessage(error)}`, { cause: error });
    }
    if (this.secret === undefined) this.context.logger.warn({ observer: this.name }, 'webhook accepts unsigned events (insecure_unsigned: true): any local process can post a heal');
    // A request must never be able to throw out of the server: that would end the run with faults injected.
    const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.context.logger.warn({ observer: this.name, err: error }, 'webhook request failed');
        if (res.headersSent) res.destroy();
        else res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request\n');
      });
    });
    server.headersTimeout = HEADERS_TIMEOUT_MS;
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    new ConnectionTable().attach(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new ObserverUnavailableError(this.name, `cannot listen on ${this.config.listen.host}:${this.config.listen.port}: ${errorMessage(error)}`, { cause: error })));
      server.listen(this.config.listen.port, this.config.listen.host, () => resolve());
    });
    this.server = server;
    this.context.logger.info({ observer: this.name, url: this.url() }, 'webhook listening');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const remote = req.socket.remoteAddress;
    const refuse = (status: number, message: string) => {
      this.context.logger.warn({ observer: this.name, remote, status, path: req.url }, `webhook request refused: ${message}`);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${message}\n`);
    };
    const path = requestPath(req.url);
    if (path === undefined) return refuse(400, 'malformed request target');
    if (path !== this.config.path) return refuse(404, `no webhook at ${req.url}; POST to ${this.config.path}`);
    if (req.method !== 'POST') return refuse(405, 'only POST is accepted');
    // Senders are servers; a browser always sends Origin on a cross-site POST (a web page forging a heal).
    if (req.headers.origin !== undefined) return refuse(403, 'requests from a web page (with an Origin header) are refused');
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      return refuse(413, errorMessage(error));
    }
    if (this.secret !== undefined) {
      const problem = verifyWebhook(req.headers, body, this.secret, { signatureHeader: this.config.signature_header, nowMs: this.context.clock.wallNow(), replays: this.replays });
      if (problem) return refuse(401, problem);
    }
    const outputs = mapJson(body.toString('utf8'), { source: this.name, fields: this.config.fields, kinds: this.config.kinds });
    const bad = outputs.filter((output) => 'malformed' in output);
    for (const output of outputs) this.route(output);
    if (bad.length > 0) return refuse(400, `malformed body: ${bad.map((o) => ('malformed' in o ? o.detail : '')).join('; ')}`);
    res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: outputs.length }));
  }

  private route(output: ObserverOutput): void {
    const subscribers = [...this.subscribers];
    const named = 'malformed' in output ? [] : subscribers.filter((s) => s.names.has(normalizeName(output.host)));
    for (const subscriber of named.length > 0 ? named : subscribers) subscriber.queue.push(output);
    if (subscribers.length === 0) this.context.logger.info({ observer: this.name }, 'webhook event received while no attempt is watching');
  }

  async *watch(request: WatchRequest): AsyncIterable<ObserverOutput> {
    await this.start();
    const subscriber: Subscriber = { names: hostNames(request.host), queue: new AsyncQueue() };
    this.subscribers.add(subscriber);
    try {
      yield* subscriber.queue.drain(request.signal);
    } finally {
      this.subscribers.delete(subscriber);
    }
  }

  /** The webhook is available when its server listens. */
  async probe(): Promise<void> {
    await this.start();
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.starting = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The path of a request target, or undefined when it is not a valid URL path (e.g. `//[`). */
function requestPath(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

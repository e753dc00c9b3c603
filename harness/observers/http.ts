import type { ObserverConfigOf } from '../config/observer-schema.js';
import { ObserverUnavailableError } from '../core/errors.js';
import { excerpt } from '../core/redact.js';
import { getPath, malformed, mapJson, mapRecord, parseTimestamp, type RecordContext } from './fields.js';
import { authorization, getResponse, probeOnce, RetryableHttpError } from './http-client.js';
import type { ObservedEvent, Observer, ObserverContext, ObserverOutput, WatchRequest } from './observer.js';
import { Reconnector, Waker } from './retry.js';
import { SseParser } from './sse.js';

type HttpConfig = ObserverConfigOf<'http'>;

/** How far before the (skew-corrected) injection time the first request reaches back, so edge events are judged, not missed. */
const CURSOR_LEAD_MS = 5_000;
const DEFAULT_SSE_RETRY_MS = 1_000;

function formatCursor(ms: number, format: HttpConfig['since_format']): string {
  if (format === 'epoch_ms') return String(Math.round(ms));
  if (format === 'epoch_s') return String(Math.floor(ms / 1000));
  return new Date(ms).toISOString();
}

/**
 * The `http` observer. Poll mode GETs `url?since=<cursor>` every poll_interval;
 * the cursor is the newest event time seen (or the body's `cursor` path) and is
 * kept across failed requests and reconnects. SSE mode reads text/event-stream
 * and reconnects with Last-Event-ID. Both back off on 5xx, 429 (Retry-After)
 * and dropped connections, and give up (ObserverUnavailableError) when the
 * stack stays unreachable or refuses the credentials.
 */
export class HttpObserver implements Observer {
  readonly kind = 'http';
  readonly name: string;
  private readonly waker = new Waker();

  constructor(private readonly config: HttpConfig, private readonly context: ObserverContext) {
    this.name = config.name;
  }

  private records(): RecordContext {
    return { source: this.name, fields: this.config.fields, kinds: this.config.kinds };
  }

  private async headers(accept: string): Promise<Record<string, string>> {
    const auth = await authorization(this.config, this.context.resolveSecret);
    return { accept, ...(auth && { authorization: auth }) };
  }

  watch(request: WatchRequest): AsyncIterable<ObserverOutput> {
    return this.config.mode === 'sse' ? this.watchStream(request) : this.watchPoll(request);
  }

  /** One poll: the events of a response body and the cursor for the next request. */
  parsePoll(text: string, cursor: string): { outputs: ObserverOutput[]; cursor: string } {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      return { outputs: [malformed(this.name, `response is not JSON: ${(error as Error).message}`, excerpt(text, 2000))], cursor };
    }
    const items = getPath(body, this.config.items);
    if (!Array.isArray(items)) {
      return { outputs: [malformed(this.name, `response has no array at ${this.config.items || 'its top level'}`, body)], cursor };
    }
    const outputs = items.map((item) => mapRecord(item, this.records()));
    let next = cursor;
    if (this.config.cursor !== undefined) {
      const value = getPath(body, this.config.cursor);
      if (value !== undefined && value !== null && value !== '') next = String(value);
    } else {
      const times = outputs.filter((o): o is ObservedEvent => !('malformed' in o)).map((event) => event.at);
      const current = parseTimestamp(cursor) ?? Number.NEGATIVE_INFINITY;
      const newest = Math.max(current, ...times);
      if (newest > current) next = formatCursor(newest, this.config.since_format);
    }
    return { outputs, cursor: next };
  }

  private async *watchPoll(request: WatchRequest): AsyncIterable<ObserverOutput> {
    const headers = await this.headers('application/json');
    const reconnector = new Reconnector(this.name, this.context.clock);
    let cursor = formatCursor(request.since + request.skewMs - CURSOR_LEAD_MS, this.config.since_format);
    const delivered = new Set<string>();
    while (!request.signal.aborted) {
      // polls start every poll_interval (not poll_interval after the previous one ended)
      const started = this.context.clock.now();
      let retried = false;
      try {
        const url = new URL(this.config.url);
        url.searchParams.set(this.config.since_param, cursor);
        const response = await getResponse(this.config, url, headers, request.signal, this.config.timeout);
        const poll = this.parsePoll(await response.text(), cursor);
        reconnector.succeeded();
        cursor = poll.cursor;
        for (const output of poll.outputs) {
          // records at the cursor come back on the next poll (since >= cursor); they are not new reports
          const key = JSON.stringify(output.raw);
          if (delivered.has(key)) continue;
          delivered.add(key);
          yield output;
        }
      } catch (error) {
        if (request.signal.aborted) return;
        if (!(error instanceof RetryableHttpError)) throw error;
        this.context.logger.warn({ observer: this.name, err: error.message, cursor }, 'http poll failed; retrying with the same cursor');
        await this.retry(reconnector, error, request.signal);
        retried = true;
      }
      if (!retried) await this.sleep(this.config.poll_interval - (this.context.clock.now() - started), request.signal);
    }
  }

  private async *watchStream(request: WatchRequest): AsyncIterable<ObserverOutput> {
    const baseHeaders = await this.headers('text/event-stream');
    const reconnector = new Reconnector(this.name, this.context.clock);
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const url = new URL(this.config.url);
    url.searchParams.set(this.config.since_param, formatCursor(request.since + request.skewMs - CURSOR_LEAD_MS, this.config.since_format));
    while (!request.signal.aborted) {
      try {
        const headers = parser.lastEventId ? { ...baseHeaders, 'last-event-id': parser.lastEventId } : baseHeaders;
        const response = await getResponse(this.config, url, headers, request.signal);
        if (!response.body) throw new RetryableHttpError('event stream has no body');
        reconnector.succeeded();
        const reader = response.body.getReader();
        try {
          for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
            for (const message of parser.push(decoder.decode(chunk.value, { stream: true }))) yield* mapJson(message.data, this.records());
          }
        } finally {
          await reader.cancel().catch(() => undefined);
        }
        // the server ended the stream: reconnect after the delay it asked for, resuming after the last id
        await this.sleep(parser.retryMs ?? DEFAULT_SSE_RETRY_MS, request.signal);
      } catch (error) {
        if (request.signal.aborted) return;
        if (error instanceof ObserverUnavailableError) throw error;
        const retryable = error instanceof RetryableHttpError ? error : new RetryableHttpError(`event stream dropped: ${(error as Error).message}`, undefined, { cause: error });
        this.context.logger.warn({ observer: this.name, err: retryable.message, lastEventId: parser.lastEventId }, 'event stream lost; reconnecting with Last-Event-ID');
        await this.retry(reconnector, retryable, request.signal, parser.retryMs);
      }
    }
  }

  private async retry(reconnector: Reconnector, error: RetryableHttpError, signal: AbortSignal, fallbackMs?: number): Promise<void> {
    try {
      await reconnector.failed(error, signal, error.retryAfterMs ?? fallbackMs);
    } catch (failure) {
      if (!signal.aborted) throw failure;
    }
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return this.waker.pause(this.context.clock, ms, signal);
  }

  async probe(): Promise<void> {
    const url = new URL(this.config.url);
    url.searchParams.set(this.config.since_param, formatCursor(this.context.clock.wallNow(), this.config.since_format));
    const accept = this.config.mode === 'sse' ? 'text/event-stream' : 'application/json';
    await probeOnce(this.name, async (signal) => {
      const response = await getResponse(this.config, url, await this.headers(accept), signal, this.config.timeout);
      await response.body?.cancel();
    });
  }

  async close(): Promise<void> {
    this.waker.wake();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

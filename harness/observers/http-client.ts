import type { ObserverConfigOf } from '../config/observer-schema.js';
import { errorMessage, ObserverUnavailableError } from '../core/errors.js';

/** What the HTTP helpers need of an observer's config (http and prometheus observers). */
type HttpConfig = Pick<ObserverConfigOf<'http'>, 'name' | 'auth'>;

/** A response worth retrying (5xx, 429, a dropped connection), with the delay the server asked for. */
export class RetryableHttpError extends Error {
  constructor(message: string, readonly retryAfterMs?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Retry-After as seconds or an HTTP date, in ms from now. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** The Authorization header from the config's `env:`/`file:` references. */
export async function authorization(config: HttpConfig, resolveSecret: (ref: string) => Promise<string>): Promise<string | undefined> {
  const { auth } = config;
  if (!auth) return undefined;
  try {
    if (auth.type === 'bearer') return `Bearer ${await resolveSecret(auth.token)}`;
    const password = await resolveSecret(auth.password);
    return `Basic ${Buffer.from(`${auth.username}:${password}`).toString('base64')}`;
  } catch (error) {
    throw new ObserverUnavailableError(config.name, `cannot resolve its credentials: ${errorMessage(error)}`, { cause: error });
  }
}

/**
 * GET with the observer's headers and timeout. 5xx, 429 and network errors are
 * RetryableHttpError; 401/403/404 and other 4xx mean the config or the
 * credentials are wrong, so the observer is unavailable at once.
 */
export async function getResponse(config: HttpConfig, url: URL, headers: Record<string, string>, signal: AbortSignal, timeoutMs?: number): Promise<Response> {
  let response: Response;
  try {
    const timeout = timeoutMs === undefined ? signal : AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    response = await fetch(url, { headers, signal: timeout, redirect: 'error' });
  } catch (error) {
    signal.throwIfAborted();
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new RetryableHttpError(`GET ${url.origin}${url.pathname} failed: ${cause?.code ?? errorMessage(error)}`, undefined, { cause: error });
  }
  if (response.ok) return response;
  await response.body?.cancel();
  const what = `GET ${url.origin}${url.pathname} answered ${response.status} ${response.statusText}`;
  if (response.status === 429 || response.status >= 500) throw new RetryableHttpError(what, retryAfterMs(response.headers.get('retry-after')));
  throw new ObserverUnavailableError(config.name, response.status === 401 || response.status === 403 ? `${what}: check its credentials` : what);
}

/** A probe's one request: a stack that does not answer (no retries here) makes the observer unavailable. */
export async function probeOnce(observer: string, request: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  try {
    await request(controller.signal);
  } catch (error) {
    if (error instanceof RetryableHttpError) throw new ObserverUnavailableError(observer, error.message, { cause: error });
    throw error;
  } finally {
    controller.abort();
  }
}

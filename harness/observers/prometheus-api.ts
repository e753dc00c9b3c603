import { errorMessage } from '../core/errors.js';
import { excerpt } from '../core/redact.js';
import { retryAfterMs } from './http-client.js';

/** One sample of an instant query: the series' labels (none for a scalar), its value, and the evaluation time (epoch ms). */
export interface PromSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly evaluatedAt: number;
}

/**
 * What one `GET /api/v1/query` came to. Callers decide what a failure means
 * to them (an observer retries `busy` and `unreachable`; a halt condition calls
 * every failure unreadable), so the answer says what happened and nothing more.
 */
export type PromQueryAnswer =
  | { readonly kind: 'samples'; readonly resultType: 'vector' | 'scalar'; readonly samples: readonly PromSample[] }
  /** No HTTP answer at all (refused, reset, timed out). */
  | { readonly kind: 'unreachable'; readonly message: string }
  /** 429 or 5xx: the server may answer later, `retryAfterMs` if it said when. */
  | { readonly kind: 'busy'; readonly message: string; readonly retryAfterMs?: number }
  /** An answer that will not get better by asking again: a bad query, bad credentials, not Prometheus, a range result. */
  | { readonly kind: 'refused'; readonly message: string };

interface ApiBody {
  readonly status?: string;
  readonly error?: string;
  readonly data?: { readonly resultType?: string; readonly result?: unknown };
}

export interface PromQueryOptions {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Value of the Authorization header, already resolved from its secret. */
  readonly authorization?: string;
}

/** `base` plus `path`, keeping a path prefix of `base` (Prometheus behind a reverse proxy under /prometheus/). */
export function apiUrl(base: string, path: string): URL {
  return new URL(path, base.endsWith('/') ? base : `${base}/`);
}

/** Runs one PromQL instant query. Throws only when `signal` aborts. */
export async function promQuery(base: string, query: string, options: PromQueryOptions): Promise<PromQueryAnswer> {
  const url = apiUrl(base, 'api/v1/query');
  url.searchParams.set('query', query);
  const where = `GET ${url.origin}${url.pathname}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', ...(options.authorization && { authorization: options.authorization }) },
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
      redirect: 'error',
    });
    text = await response.text();
  } catch (error) {
    options.signal.throwIfAborted();
    // fetch wraps the socket's error: its code (ECONNREFUSED) or message ("bad port") says more than "fetch failed"
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'unreachable', message: `${where} failed: ${cause?.code ?? cause?.message ?? errorMessage(error)}` };
  }
  if (response.status === 429 || response.status >= 500) {
    return { kind: 'busy', message: `${where} answered ${response.status}`, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
  }
  let body: ApiBody;
  try {
    body = JSON.parse(text) as ApiBody;
  } catch {
    return { kind: 'refused', message: `${where} answered ${response.status} with no Prometheus API body: ${excerpt(text, 200)}` };
  }
  if (!response.ok || body.status !== 'success') return { kind: 'refused', message: `query ${query} failed (${response.status}): ${body.error ?? 'no error text'}` };
  const { resultType, result } = body.data ?? {};
  if (resultType === 'scalar') {
    const [at, value] = result as [number, string];
    return { kind: 'samples', resultType, samples: [{ labels: {}, value: Number(value), evaluatedAt: Number(at) * 1000 }] };
  }
  if (resultType !== 'vector') return { kind: 'refused', message: `query ${query} returned a ${resultType ?? 'nothing'}, not an instant vector or scalar` };
  const series = (result ?? []) as readonly { metric: Record<string, string>; value: [number, string] }[];
  return { kind: 'samples', resultType, samples: series.map((s) => ({ labels: s.metric, value: Number(s.value[1]), evaluatedAt: Number(s.value[0]) * 1000 })) };
}

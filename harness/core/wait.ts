import type { Clock } from './clock.js';

export interface WaitOptions {
  clock: Clock;
  /** Give up after this many ms of the clock. */
  timeoutMs: number;
  /** First delay between tries; grows by `factor` up to `maxIntervalMs`. */
  intervalMs: number;
  factor?: number;
  maxIntervalMs?: number;
  signal?: AbortSignal;
  description: string;
}

export class WaitTimeoutError extends Error {
  constructor(description: string, timeoutMs: number, readonly lastError?: unknown) {
    super(`timed out after ${timeoutMs}ms waiting for ${description}`, { cause: lastError });
  }
}

/**
 * The one polling loop of the code base: try `probe` until it returns a value
 * other than undefined, with a deadline and (optionally growing) interval on an
 * injectable clock. Errors from `probe` count as "not yet" and the last one is kept.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const { clock, timeoutMs, signal } = options;
  const deadline = clock.now() + timeoutMs;
  let interval = options.intervalMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    const remaining = deadline - clock.now();
    if (remaining <= 0) throw new WaitTimeoutError(options.description, timeoutMs, lastError);
    await clock.sleep(Math.min(interval, remaining), signal);
    interval = Math.min(interval * (options.factor ?? 1), options.maxIntervalMs ?? Number.POSITIVE_INFINITY);
  }
}

/** Exponential backoff delays with full jitter, for reconnects and retried requests. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

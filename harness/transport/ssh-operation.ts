import type { Clock } from '../core/clock.js';

/**
 * A counting semaphore. For channels of one connection: servers cap sessions
 * per connection (OpenSSH MaxSessions, 10 by default), so opens beyond the
 * limit wait here instead of being refused by the server. Also for the SSH
 * handshakes the controller runs at once.
 */
export class ChannelSlots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`channel limit must be a positive integer (got ${limit})`);
  }

  /** Resolves with a release function (idempotent) once a slot is free; rejects if the signal aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        this.active += 1;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active -= 1;
          this.waiting.shift()?.();
        });
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal.reason);
      };
      if (this.active < this.limit) return grant();
      this.waiting.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  inUse(): number {
    return this.active;
  }
}

/** One signal for an operation: aborted by any source signal or when `timeoutMs` of `clock` pass. */
export function operationSignal(
  sources: readonly (AbortSignal | undefined)[],
  timeout: { ms: number; clock: Clock; reason: () => Error } | undefined,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const unlinks: (() => void)[] = [];
  for (const source of sources) {
    if (!source) continue;
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    const forward = () => controller.abort(source.reason);
    source.addEventListener('abort', forward, { once: true });
    unlinks.push(() => source.removeEventListener('abort', forward));
  }
  if (timeout && !controller.signal.aborted) {
    const timer = new AbortController();
    timeout.clock.sleep(timeout.ms, timer.signal).then(
      () => controller.abort(timeout.reason()),
      () => undefined,
    );
    unlinks.push(() => timer.abort());
  }
  return { signal: controller.signal, dispose: () => unlinks.forEach((unlink) => unlink()) };
}

/**
 * Waits for `promise` unless the signal aborts first. A value that arrives after
 * the abort is handed to `discard` (e.g. to close a channel nobody will use).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal, discard?: (late: T) => void): Promise<T> {
  if (signal.aborted) {
    promise.then((late) => discard?.(late), () => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (aborted) discard?.(value);
        else resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

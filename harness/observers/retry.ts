import type { Clock } from '../core/clock.js';
import { errorMessage, ObserverUnavailableError } from '../core/errors.js';
import { backoffDelay } from '../core/wait.js';

export interface RetryPolicy {
  /** Failures tolerated in a row before the stack has ever answered: small, so an unreachable stack is reported promptly. */
  readonly beforeFirstSuccess: number;
  /** Failures tolerated in a row once the stack has answered (a restart, a dropped connection). */
  readonly afterSuccess: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { beforeFirstSuccess: 2, afterSuccess: 8, baseMs: 200, maxMs: 5_000 };

/**
 * Reconnect bookkeeping shared by the observers: counts failures in a row,
 * sleeps a jittered backoff between tries (or what the stack asked for, e.g.
 * Retry-After), and gives up with ObserverUnavailableError when the budget is spent.
 */
export class Reconnector {
  private failures = 0;
  private everSucceeded = false;

  constructor(
    private readonly observer: string,
    private readonly clock: Clock,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
  ) {}

  succeeded(): void {
    this.failures = 0;
    this.everSucceeded = true;
  }

  /** Waits before the next try, or throws when too many tries failed in a row. */
  async failed(error: unknown, signal: AbortSignal, requestedDelayMs?: number): Promise<void> {
    signal.throwIfAborted();
    this.failures += 1;
    const budget = this.everSucceeded ? this.policy.afterSuccess : this.policy.beforeFirstSuccess;
    if (this.failures > budget) {
      throw new ObserverUnavailableError(this.observer, `gave up after ${this.failures} failed tries in a row: ${errorMessage(error)}`, { cause: error });
    }
    const delay = requestedDelayMs ?? backoffDelay(this.failures - 1, this.policy.baseMs, this.policy.maxMs);
    await this.clock.sleep(Math.min(delay, this.policy.maxMs * 6), signal);
  }
}

/**
 * A sleep that something else can cut short: poll loops sleep with it, and a
 * NOTIFY, a pushed event or a changed page wakes them at once. A wake that
 * lands while the loop is busy (its query or reading already under way, too
 * early to see the change) must not be lost: the loop takes a `mark()` before
 * it starts reading and sleeps `since` that mark, so such a wake ends the
 * next sleep before it begins.
 */
export class Waker {
  private pending = new Set<() => void>();
  private wakes = 0;

  /** Where the loop is now; pass it to `sleep` to count wakes from this moment on. */
  mark(): number {
    return this.wakes;
  }

  wake(): void {
    this.wakes += 1;
    const sleepers = [...this.pending];
    this.pending.clear();
    for (const resume of sleepers) resume();
  }

  async sleep(clock: Clock, ms: number, signal: AbortSignal, since = this.wakes): Promise<void> {
    signal.throwIfAborted();
    if (this.wakes !== since) return;
    const cut = new AbortController();
    const resume = () => cut.abort();
    this.pending.add(resume);
    const onAbort = () => cut.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await clock.sleep(ms, cut.signal);
    } catch (error) {
      if (!cut.signal.aborted) throw error;
    } finally {
      this.pending.delete(resume);
      signal.removeEventListener('abort', onAbort);
    }
    signal.throwIfAborted();
  }

  /** A poll loop's pause: like `sleep`, but the watch ending (its signal aborted) is a normal return, not an error. */
  async pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
    try {
      await this.sleep(clock, ms, signal);
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }
}

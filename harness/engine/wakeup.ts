import type { Clock } from '../core/clock.js';

/**
 * Lets a loop sleep on the engine clock until a deadline OR until something
 * happens (a signal arrived), whichever comes first — so a heal is judged the
 * moment its claim arrives, not at the next probe tick.
 */
export class Wakeup {
  private pending: AbortController | undefined;
  private poked = false;

  constructor(private readonly clock: Clock) {}

  poke(): void {
    this.poked = true;
    this.pending?.abort();
  }

  /** Resolves after `ms`, on `poke()`, or when `signal` aborts; never rejects. */
  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.poked || ms <= 0 || signal?.aborted) {
      this.poked = false;
      return;
    }
    const controller = new AbortController();
    this.pending = controller;
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.clock.sleep(ms, controller.signal);
    } catch {
      // poked or aborted: the caller re-evaluates either way
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.pending = undefined;
      this.poked = false;
    }
  }
}

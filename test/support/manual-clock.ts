import type { Clock } from '../../harness/core/clock.js';

/** A clock tests drive by hand: sleeps resolve when `advance` passes their deadline. */
export class ManualClock implements Clock {
  private monotonic = 0;
  private sleepers: { until: number; resolve: () => void; reject: (reason: unknown) => void }[] = [];

  constructor(private readonly wallStart = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.monotonic;
  }

  wallNow(): number {
    return this.wallStart + this.monotonic;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const sleeper = { until: this.monotonic + Math.max(0, ms), resolve, reject };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Moves time forward, waking sleepers in deadline order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.monotonic + ms;
    for (;;) {
      await flushMicrotasks();
      const next = this.sleepers.filter((s) => s.until <= target).sort((a, b) => a.until - b.until)[0];
      if (!next) break;
      this.monotonic = next.until;
      this.sleepers = this.sleepers.filter((s) => s !== next);
      next.resolve();
    }
    this.monotonic = target;
    await flushMicrotasks();
  }

  pendingSleepers(): number {
    return this.sleepers.length;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}

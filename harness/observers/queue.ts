/**
 * An unbounded queue read as an async iterable that ends when the signal
 * aborts. Pushed observers (webhook) hand each attempt's watch its events through one.
 */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private wakeReader: (() => void) | undefined;

  push(item: T): void {
    this.items.push(item);
    this.wakeReader?.();
  }

  async *drain(signal: AbortSignal): AsyncIterable<T> {
    const onAbort = () => this.wakeReader?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        const item = this.items.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        await new Promise<void>((resolve) => {
          this.wakeReader = resolve;
        });
        this.wakeReader = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

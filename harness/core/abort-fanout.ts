/**
 * Hands out child signals of one parent signal while adding a single listener to
 * the parent. Many concurrent waits on one long-lived signal (the run's Ctrl-C)
 * each added their own listener: eleven observing bundle members and the
 * scheduler made Node warn about an EventTarget leak. A child is dropped from the
 * fan-out when released, so finished work leaves nothing behind.
 */
export class AbortFanout implements Disposable {
  private readonly children = new Set<AbortController>();
  private readonly onAbort = () => {
    for (const child of this.children) child.abort(this.parent.reason);
    this.children.clear();
  };

  constructor(private readonly parent: AbortSignal) {
    parent.addEventListener('abort', this.onAbort, { once: true });
  }

  /** A signal that aborts with the parent; `release` when the work that uses it is done. */
  child(): { readonly signal: AbortSignal; release(): void } {
    const controller = new AbortController();
    if (this.parent.aborted) controller.abort(this.parent.reason);
    else this.children.add(controller);
    return { signal: controller.signal, release: () => this.children.delete(controller) };
  }

  [Symbol.dispose](): void {
    this.parent.removeEventListener('abort', this.onAbort);
    this.children.clear();
  }
}

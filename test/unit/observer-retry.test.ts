import { describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { ObserverUnavailableError } from '../../harness/core/errors.js';
import { waitFor } from '../../harness/core/wait.js';
import { AsyncQueue } from '../../harness/observers/queue.js';
import { Reconnector, Waker } from '../../harness/observers/retry.js';
import { ManualClock } from '../support/manual-clock.js';

const policy = { beforeFirstSuccess: 2, afterSuccess: 4, baseMs: 100, maxMs: 1_000 };

describe('Reconnector', () => {
  it('gives up quickly before the stack ever answered, naming the last error', async () => {
    const clock = new ManualClock();
    const reconnector = new Reconnector('api', clock, policy);
    const signal = new AbortController().signal;
    const first = reconnector.failed(new Error('ECONNREFUSED'), signal);
    await clock.advance(100);
    await first;
    const second = reconnector.failed(new Error('ECONNREFUSED'), signal);
    await clock.advance(200);
    await second;
    await expect(reconnector.failed(new Error('ECONNREFUSED'), signal)).rejects.toThrow(new ObserverUnavailableError('api', 'gave up after 3 failed tries in a row: ECONNREFUSED'));
  });

  it('tolerates more failures once it has succeeded, and a success resets the count', async () => {
    const clock = new ManualClock();
    const reconnector = new Reconnector('api', clock, policy);
    const signal = new AbortController().signal;
    reconnector.succeeded();
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 4; i += 1) {
        const wait = reconnector.failed(new Error('503'), signal);
        await clock.advance(1_000);
        await wait;
      }
      reconnector.succeeded();
    }
    for (let i = 0; i < 4; i += 1) {
      const wait = reconnector.failed(new Error('503'), signal);
      await clock.advance(1_000);
      await wait;
    }
    await expect(reconnector.failed(new Error('503'), signal)).rejects.toBeInstanceOf(ObserverUnavailableError);
  });

  it('waits as long as the server asked (Retry-After), not its own backoff', async () => {
    const clock = new ManualClock();
    const reconnector = new Reconnector('api', clock, policy);
    let done = false;
    const wait = reconnector.failed(new Error('429'), new AbortController().signal, 3_000).then(() => (done = true));
    await clock.advance(2_999);
    expect(done).toBe(false);
    await clock.advance(1);
    await wait;
    expect(done).toBe(true);
  });
});

describe('Waker', () => {
  it('cuts a poll sleep short when woken, and still ends on abort', async () => {
    const clock = new ManualClock();
    const waker = new Waker();
    const controller = new AbortController();
    let woke = false;
    const sleeping = waker.sleep(clock, 60_000, controller.signal).then(() => (woke = true));
    await clock.advance(10);
    expect(woke).toBe(false);
    waker.wake();
    await sleeping;
    expect(clock.now()).toBe(10);
    const aborted = waker.sleep(clock, 60_000, controller.signal);
    controller.abort(new Error('attempt over'));
    await expect(aborted).rejects.toThrow('attempt over');
  });

  it('does not lose a wake that lands while the loop is busy reading', async () => {
    const clock = new ManualClock();
    const waker = new Waker();
    const signal = new AbortController().signal;
    const mark = waker.mark();
    waker.wake(); // e.g. a NOTIFY while the query runs: the query's snapshot was too early to see the row
    await waker.sleep(clock, 60_000, signal, mark);
    expect(clock.now()).toBe(0);
    // a sleep from a fresh mark waits again
    let woke = false;
    const sleeping = waker.sleep(clock, 60_000, signal, waker.mark()).then(() => (woke = true));
    await clock.advance(59_999);
    expect(woke).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);
  });
});

describe('AsyncQueue', () => {
  it('hands over items pushed before and while reading, and ends when the signal aborts', async () => {
    const queue = new AsyncQueue<number>();
    const controller = new AbortController();
    queue.push(1);
    const read: number[] = [];
    const reading = (async () => {
      for await (const item of queue.drain(controller.signal)) read.push(item);
    })();
    queue.push(2);
    queue.push(3);
    await waitFor(async () => (read.length === 3 ? true : undefined), { clock: systemClock, timeoutMs: 2_000, intervalMs: 1, description: 'three items read' });
    controller.abort();
    await reading;
    expect(read).toEqual([1, 2, 3]);
  });
});

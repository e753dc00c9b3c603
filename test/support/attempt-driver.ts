import type { AttemptOutcome, EngineContext, InjectionSpec } from '../../harness/engine/context.js';
import { runInjection } from '../../harness/engine/attempt.js';
import type { Transport } from '../../harness/transport/transport.js';
import type { ManualClock } from './manual-clock.js';

export interface TimedAction {
  /** ms after the injection started running */
  readonly at: number;
  readonly run: () => void;
}

export interface DriveOptions {
  readonly clock: ManualClock;
  readonly spec: InjectionSpec;
  readonly transport: Transport;
  readonly ctx: EngineContext;
  readonly interrupt?: AbortController;
  readonly actions?: readonly TimedAction[];
  /** Ctrl-C (the interrupt aborts) once the clock has passed this time. */
  readonly abortAt?: number;
}

/**
 * Runs one injection on a ManualClock, firing each action when the clock
 * passes its time, 100 ms at a time. Time only moves while the engine waits on
 * the clock; real file I/O (the journal) gets event-loop turns.
 */
export async function driveInjection(options: DriveOptions): Promise<AttemptOutcome[]> {
  const { clock, abortAt } = options;
  const interrupt = options.interrupt ?? new AbortController();
  let result: AttemptOutcome[] | undefined;
  let failure: unknown;
  runInjection(options.spec, options.transport, options.ctx, interrupt.signal).then((r) => (result = r), (e) => (failure = e));
  const pending = [...(options.actions ?? [])].sort((a, b) => a.at - b.at);
  for (let t = 0; t <= 120_000 && !result && !failure; ) {
    if (!clock.pendingSleepers()) {
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    while (pending[0] && pending[0].at <= t) pending.shift()!.run();
    if (abortAt !== undefined && t >= abortAt && !interrupt.signal.aborted) interrupt.abort(new Error('SIGINT'));
    await clock.advance(100);
    t += 100;
  }
  if (failure) throw failure;
  if (!result) throw new Error('injection never finished');
  return result;
}

import type { HostConfig } from '../config/lab-schema.js';
import { errorMessage } from '../core/errors.js';
import type { Observer } from '../observers/observer.js';
import type { EngineContext } from './context.js';
import type { Member } from './member.js';

/**
 * How long the first injection command waits for the observers to take their
 * starting points: long enough for one round trip to a slow lab host, short
 * enough that a hung observer never holds up the attempt.
 */
export const OBSERVER_PREPARE_DEADLINE_MS = 3_000;

interface Preparation {
  readonly state: Member;
  readonly observer: Observer;
  settled: boolean;
}

/**
 * Calls every observer's optional `prepare` for every member, concurrently,
 * and waits for them up to the deadline (or Ctrl-C). What arrives in time is
 * kept by the member (`keepObserverStart`); anything later is ignored, because it may
 * have been measured after the injection began. Each miss is logged and noted
 * in the event log: that watch reads from its beginning instead.
 */
export interface ObserverPreparation {
  readonly members: readonly Member[];
  readonly host: HostConfig;
  readonly ctx: EngineContext;
  readonly skewMs: number;
  /** Ctrl-C ends the wait at once. */
  readonly interrupt: AbortSignal;
}

export async function prepareObservers({ members, host, ctx, skewMs, interrupt }: ObserverPreparation): Promise<void> {
  const stopWaiting = new AbortController();
  const missed = ({ state, observer }: Preparation, why: string) => {
    const message = `${state.attemptId}: observer ${observer.name} could not take its starting point before the injection (${why}); it reads from the beginning`;
    ctx.logger.warn({ attemptId: state.attemptId, observer: observer.name }, message);
    ctx.sink.emit({ type: 'note', level: 'warn', message });
  };
  const preparations: Preparation[] = [];
  const tasks: Promise<void>[] = [];
  for (const state of members) {
    for (const observer of ctx.observers) {
      if (!observer.prepare) continue;
      const preparation: Preparation = { state, observer, settled: false };
      preparations.push(preparation);
      const request = { host, checkType: state.member.scenario.check_type, skewMs, runId: ctx.runId, attemptId: state.attemptId, signal: stopWaiting.signal };
      const settle = (outcome: () => void) => {
        if (stopWaiting.signal.aborted) return;
        preparation.settled = true;
        outcome();
      };
      tasks.push(observer.prepare(request).then(
        (start) => settle(() => state.keepObserverStart(observer, start)),
        (error: unknown) => settle(() => missed(preparation, errorMessage(error))),
      ));
    }
  }
  if (!tasks.length) return;
  const deadline = new AbortController();
  const timeUp = ctx.clock.sleep(OBSERVER_PREPARE_DEADLINE_MS, AbortSignal.any([deadline.signal, interrupt])).catch(() => undefined);
  await Promise.race([Promise.all(tasks), timeUp]);
  deadline.abort();
  stopWaiting.abort(new Error('the injection went ahead without waiting any longer'));
  const why = interrupt.aborted ? 'interrupted' : `no answer within ${OBSERVER_PREPARE_DEADLINE_MS} ms`;
  for (const preparation of preparations) if (!preparation.settled) missed(preparation, why);
}

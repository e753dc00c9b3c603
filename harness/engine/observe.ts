import type { HostConfig } from '../config/lab-schema.js';
import { errorMessage, isTransportError } from '../core/errors.js';
import { Correlator } from '../observers/correlate.js';
import type { Observer } from '../observers/observer.js';
import { checkUntilItTells, readCheck } from './check-outcome.js';
import type { EngineContext } from './context.js';
import type { MemberState } from './member.js';
import { ObserverOutputTally } from './observer-tally.js';
import { RejectionLog } from './rejections.js';
import { claimKnownAt, judge, type JudgedSignal, type ProbeSample } from './verdict.js';
import { Wakeup } from './wakeup.js';

/** When the injection started and ended, on both clocks; signals are re-based from the first to the second. */
export interface InjectionTimes {
  readonly injectStartWall: number;
  readonly t0Wall: number;
  readonly t0Mono: number;
  readonly skewMs: number;
  readonly skewUncertaintyMs: number;
}

/**
 * Streams every observer's events for one member into its inbox from the
 * moment injection starts (a fast healer may answer before injection ends),
 * until `stop` aborts. An observer that fails is marked unavailable for the member.
 */
export function startObserverPumps(
  states: readonly MemberState[],
  host: HostConfig,
  ctx: EngineContext,
  since: number,
  skewMs: number,
  wakeups: ReadonlyMap<MemberState, Wakeup>,
  stop: AbortSignal,
): Promise<void> {
  const pumps: Promise<void>[] = [];
  for (const state of states) {
    for (const observer of ctx.observers) pumps.push(pump(observer, state, host, ctx, since, skewMs, wakeups.get(state)!, stop));
  }
  return Promise.all(pumps).then(() => undefined);
}

async function pump(observer: Observer, state: MemberState, host: HostConfig, ctx: EngineContext, since: number, skewMs: number, wakeup: Wakeup, stop: AbortSignal): Promise<void> {
  try {
    const start = state.observerStarts.has(observer) ? { start: state.observerStarts.get(observer) } : {};
    const note = (message: string) => ctx.sink.emit({ type: 'note', level: 'warn', message: `${state.attemptId}: observer ${observer.name}: ${message}` });
    const events = observer.watch({ host, checkType: state.member.scenario.check_type, since, skewMs, runId: ctx.runId, attemptId: state.attemptId, signal: stop, note, ...start });
    for await (const output of events) {
      state.inbox.push(output);
      wakeup.poke();
    }
    // A watch runs until it is stopped: one that ends early has stopped reading the stack.
    if (!stop.aborted) throw new Error('its event stream ended before the attempt did');
  } catch (error) {
    if (stop.aborted) return;
    state.unavailableObservers.add(observer.name);
    ctx.sink.emit({ type: 'observer_error', attemptId: state.attemptId, observer: observer.name, message: errorMessage(error) });
    wakeup.poke();
  }
}

function memberCorrelator(state: MemberState, host: HostConfig, times: InjectionTimes, ctx: EngineContext): Correlator {
  const { scenario } = state.member;
  return new Correlator({
    host,
    checkType: scenario.check_type,
    checkTypeAliases: scenario.check_type_aliases,
    runId: ctx.runId,
    since: times.injectStartWall,
    skewMs: times.skewMs,
    toleranceMs: times.skewUncertaintyMs + 25,
    // events after the window are kept as evidence, rejected as too late
    until: times.t0Wall + scenario.window,
    wallNow: () => ctx.clock.wallNow(),
    observerCheckTypeAliases: ctx.observerCheckTypeAliases,
  });
}

/**
 * The first of the stack's events, received so far, that is about this
 * member's drift after its injection started (left in the inbox for
 * observeMember): proof the injection took even when a fast healer undid it
 * before chaoslab's own check could see it.
 */
export function stackReportedDrift(state: MemberState, host: HostConfig, times: InjectionTimes, ctx: EngineContext): string | undefined {
  const correlator = memberCorrelator(state, host, times, ctx);
  for (const output of state.inbox) {
    const result = correlator.offer(output);
    // a host-wide summary does not say this drift was there
    if ('accepted' in result && !result.accepted.hostWide) return `${result.accepted.source} reported ${result.accepted.kind}`;
  }
  return undefined;
}

/**
 * Observes one member from t0 until its verdict is settled: the ground-truth
 * check every probe_interval (reads only: chaoslab never races the healer),
 * an immediate check whenever the stack claims a heal, and every observer
 * event correlated as it arrives.
 */
export async function observeMember(state: MemberState, host: HostConfig, times: InjectionTimes, first: ProbeSample, ctx: EngineContext, wakeup: Wakeup, interrupt: AbortSignal): Promise<void> {
  const { scenario } = state.member;
  const rel = () => ctx.clock.now() - times.t0Mono;
  const shift = times.t0Wall - times.injectStartWall;
  const correlator = memberCorrelator(state, host, times, ctx);
  const probes: ProbeSample[] = [first];
  const signals: JudgedSignal[] = [];
  let checkNow = false;
  const rejections = new RejectionLog(ctx.sink, state.attemptId);
  const tally = new ObserverOutputTally();
  state.startPhase('observe');

  for (;;) {
    for (const output of state.inbox.splice(0)) {
      tally.count(output);
      const result = correlator.offer(output);
      if ('rejected' in result) {
        rejections.add(result.rejected, !('malformed' in output) && output.at - times.skewMs < times.injectStartWall);
        continue;
      }
      const signal = { ...result.accepted, at: result.accepted.at - shift, receivedAt: result.accepted.receivedAt - shift };
      ctx.sink.emit({ type: 'signal', attemptId: state.attemptId, ...signal });
      signals.push(signal);
      // Fact-check a claim at once: the verdict should not wait for the next tick.
      if (signal.kind === 'claimed_healed' && !probes.some((p) => p.startedAt > claimKnownAt(signal))) checkNow = true;
    }
    const last = probes[probes.length - 1]!;
    const judgement = judge({
      expect: scenario.expect,
      slaMs: scenario.sla,
      windowMs: scenario.window,
      holdMs: scenario.hold,
      probeIntervalMs: scenario.probe_interval,
      signals,
      probes,
      unavailableObservers: [...state.unavailableObservers],
      misconfiguredObservers: tally.misconfigured(),
      observerCount: ctx.observers.length,
      deliveryAllowanceMs: ctx.deliveryAllowanceMs,
      now: last.at,
    });
    state.judgement = judgement;
    if (judgement.settled) break;
    if (interrupt.aborted) {
      state.fail('interrupted', `interrupted during ${state.phase ?? 'observe'} at ${Math.round(rel())}ms after injection`);
      break;
    }
    const now = rel();
    const dueAt = checkNow ? now : Math.min(last.startedAt + scenario.probe_interval, judgement.observeUntil);
    if (dueAt > now) {
      await wakeup.wait(dueAt - now, interrupt);
      continue;
    }
    checkNow = false;
    const sample = await sampleGroundTruth(state, ctx, interrupt, rel, last.compliant);
    if (!sample) break;
    probes.push(sample);
    if (sample.compliant !== last.compliant) {
      const { compliant } = sample;
      ctx.sink.emit({ type: 'probe', attemptId: state.attemptId, at: Math.round(sample.at), compliant });
      if (compliant && state.phase === 'observe') {
        state.endPhase(true, `restored at ${Math.round(sample.at)}ms`);
        state.startPhase('hold');
      }
    }
  }
  rejections.flush();
  for (const observer of tally.misconfigured()) {
    // shown in every report even when the verdict did not need this observer
    const message = `${state.attemptId}: observer ${observer.name} is misconfigured: all ${observer.records} record(s) it read were malformed (first: ${observer.firstProblem}); the attempt was judged without it`;
    ctx.sink.emit({ type: 'note', level: 'warn', message });
  }
  const verdict = state.labVerdict ?? state.judgement?.verdict;
  const ok = state.phase === 'hold' ? (state.judgement?.funnel.stayedRestored ?? false) && !state.labVerdict : !state.labVerdict;
  state.endPhase(ok, verdict ? `verdict ${verdict.kind}` : undefined);
}

/**
 * Runs the check until it tells (a probe error is retried, never read as
 * drift). The command is recorded as evidence only when its answer changes or
 * it errs (the log stays small over long windows). Undefined when the attempt
 * ended instead: interrupted, transport lost, or the check kept erring.
 */
async function sampleGroundTruth(state: MemberState, ctx: EngineContext, interrupt: AbortSignal, rel: () => number, previous: boolean): Promise<ProbeSample | undefined> {
  const startedAt = rel();
  try {
    const run = async () => {
      const sentAt = ctx.elapsed();
      const result = await state.exec('probe', state.member.commands.check, { signal: interrupt, record: false });
      // A probe error is evidence too; so is every change of answer.
      if (readCheck(result).kind === 'probe_error' || (result.exitCode === 0) !== previous) state.record('probe', state.member.commands.check, sentAt, result);
      return result;
    };
    const outcome = await checkUntilItTells(run, ctx.clock, interrupt);
    if (outcome.kind === 'probe_error') {
      state.fail('probe_error', `${state.phase ?? 'observe'}: ${outcome.detail}`);
      return undefined;
    }
    return { startedAt, at: rel(), compliant: outcome.kind === 'compliant' };
  } catch (error) {
    if (interrupt.aborted) state.fail('interrupted', `interrupted during ${state.phase ?? 'observe'}`);
    else if (isTransportError(error)) state.failWith(error, state.phase ?? 'observe');
    else state.fail('lab_error', `ground-truth check failed to run: ${errorMessage(error)}`);
    return undefined;
  }
}

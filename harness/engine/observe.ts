import type { HostConfig } from '../config/lab-schema.js';
import { errorMessage, isTransportError } from '../core/errors.js';
import { Correlator } from '../observers/correlate.js';
import type { Observer, ObserverOutput } from '../observers/observer.js';
import type { AttemptMachine } from './attempt-machine.js';
import { checkUntilItTells, readCheck, type ArmedCheck } from '../transport/check-outcome.js';
import type { AttemptMember, EngineContext } from './context.js';
import type { HostExec } from './host-exec.js';
import { ObserverOutputTally } from './observer-tally.js';
import { RejectionLog } from './rejections.js';
import { judge, type JudgedSignal, type Judgement, type ProbeSample } from './verdict.js';
import { Wakeup } from './wakeup.js';

/** When the injection started and ended, on both clocks; signals are re-based from the first to the second. */
export interface InjectionTimes {
  readonly injectStartWall: number;
  readonly t0Wall: number;
  readonly t0Mono: number;
  readonly skewMs: number;
  readonly skewUncertaintyMs: number;
}

export interface MemberObservationOptions {
  readonly member: AttemptMember;
  readonly machine: AttemptMachine;
  readonly exec: HostExec;
  readonly host: HostConfig;
  readonly ctx: EngineContext;
}

/**
 * What one attempt learns from the healing stack and its own ground-truth
 * check: the observers' outputs (kept in an inbox until they can be
 * correlated), which observers failed, and the judgement it feeds the
 * attempt's machine while observing.
 */
export class MemberObservation {
  /** Observer outputs waiting to be correlated (they may arrive before t0 is known). */
  private readonly inbox: ObserverOutput[] = [];
  private readonly unavailableObservers = new Set<string>();
  /** What each observer's `prepare` returned in time, handed to its watch as `start`. */
  private readonly observerStarts = new Map<Observer, unknown>();
  private readonly wakeup: Wakeup;

  constructor(private readonly options: MemberObservationOptions) {
    this.wakeup = new Wakeup(options.ctx.clock);
  }

  keepStart(observer: Observer, start: unknown): void {
    this.observerStarts.set(observer, start);
  }

  /**
   * Streams every observer's events into the inbox from the moment injection
   * starts (a fast healer may answer before injection ends), until `stop`
   * aborts. An observer that fails is marked unavailable for this attempt.
   */
  pumpAll(request: { readonly since: number; readonly skewMs: number; readonly stop: AbortSignal }): Promise<void> {
    return Promise.all(this.options.ctx.observers.map((observer) => this.pump(observer, request))).then(() => undefined);
  }

  private async pump(observer: Observer, { since, skewMs, stop }: { readonly since: number; readonly skewMs: number; readonly stop: AbortSignal }): Promise<void> {
    const { member, host, ctx } = this.options;
    try {
      const start = this.observerStarts.has(observer) ? { start: this.observerStarts.get(observer) } : {};
      const note = (message: string) => ctx.sink.emit({ type: 'note', level: 'warn', message: `${member.attemptId}: observer ${observer.name}: ${message}` });
      const events = observer.watch({ host, checkType: member.scenario.check_type, since, skewMs, runId: ctx.runId, attemptId: member.attemptId, signal: stop, note, ...start });
      for await (const output of events) {
        this.inbox.push(output);
        this.wakeup.poke();
      }
      // A watch runs until it is stopped: one that ends early has stopped reading the stack.
      throw new Error('its event stream ended before the attempt did');
    } catch (error) {
      // stopped: however the watch ended, the attempt no longer needs it
      if (stop.aborted) return;
      this.unavailableObservers.add(observer.name);
      ctx.sink.emit({ type: 'observer_error', attemptId: member.attemptId, observer: observer.name, message: errorMessage(error) });
      this.wakeup.poke();
    }
  }

  private correlator(times: InjectionTimes): Correlator {
    const { member, host, ctx } = this.options;
    const { scenario } = member;
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
   * drift after its injection started (left in the inbox for `observe`):
   * proof the injection took even when a fast healer undid it before
   * chaoslab's own check could see it.
   */
  stackReportedDrift(times: InjectionTimes): string | undefined {
    const correlator = this.correlator(times);
    for (const output of this.inbox) {
      const result = correlator.offer(output);
      // a host-wide summary does not say this drift was there
      if ('accepted' in result && !result.accepted.hostWide) return `${result.accepted.source} reported ${result.accepted.kind}`;
    }
    return undefined;
  }

  /**
   * Observes from t0 until the verdict is settled: the ground-truth check
   * every probe_interval (reads only: chaoslab never races the healer), an
   * immediate check whenever the stack claims a heal, and every observer event
   * correlated as it arrives. Moves the attempt from observe to hold when the
   * ground truth is restored.
   */
  async observe({ times, first, interrupt }: { readonly times: InjectionTimes; readonly first: ProbeSample; readonly interrupt: AbortSignal }): Promise<void> {
    const { member, machine, ctx } = this.options;
    const { scenario } = member;
    const rel = () => ctx.clock.now() - times.t0Mono;
    const shift = times.t0Wall - times.injectStartWall;
    const correlator = this.correlator(times);
    const probes: ProbeSample[] = [first];
    const signals: JudgedSignal[] = [];
    let checkNow = false;
    let judgement: Judgement;
    const rejections = new RejectionLog(ctx.sink, member.attemptId);
    const tally = new ObserverOutputTally();
    machine.transition('observe');

    for (;;) {
      for (const output of this.inbox.splice(0)) {
        tally.count(output);
        const result = correlator.offer(output);
        if ('rejected' in result) {
          rejections.add(result.rejected, !('malformed' in output) && output.at - times.skewMs < times.injectStartWall);
          continue;
        }
        const signal = { ...result.accepted, at: result.accepted.at - shift, receivedAt: result.accepted.receivedAt - shift };
        ctx.sink.emit({ type: 'signal', attemptId: member.attemptId, ...signal });
        signals.push(signal);
        // Fact-check a claim at once: the verdict should not wait for the next tick. It is known from
        // now (receivedAt is when it was correlated), so no check made so far started after it.
        if (signal.kind === 'claimed_healed') checkNow = true;
      }
      const last = probes[probes.length - 1]!;
      judgement = judge({
        expect: scenario.expect,
        slaMs: scenario.sla,
        windowMs: scenario.window,
        holdMs: scenario.hold,
        probeIntervalMs: scenario.probe_interval,
        signals,
        probes,
        unavailableObservers: [...this.unavailableObservers],
        misconfiguredObservers: tally.misconfigured(),
        observerCount: ctx.observers.length,
        deliveryAllowanceMs: ctx.deliveryAllowanceMs,
        now: last.at,
      });
      machine.judge(judgement);
      if (judgement.settled) break;
      if (interrupt.aborted) {
        machine.fail('interrupted', `interrupted during ${observingPhase(machine)} at ${Math.round(rel())}ms after injection`);
        break;
      }
      const now = rel();
      const dueAt = checkNow ? now : Math.min(last.startedAt + scenario.probe_interval, judgement.observeUntil);
      if (dueAt > now) {
        await this.wakeup.wait(dueAt - now, interrupt);
        continue;
      }
      checkNow = false;
      const sample = await this.sampleGroundTruth(interrupt, rel, last.compliant);
      if (!sample) break;
      probes.push(sample);
      if (sample.compliant !== last.compliant) {
        const { compliant } = sample;
        ctx.sink.emit({ type: 'probe', attemptId: member.attemptId, at: Math.round(sample.at), compliant });
        // only a restore is seen in observe: a drift after it settles the verdict (flapped)
        if (compliant) {
          machine.endPhase(true, `restored at ${Math.round(sample.at)}ms`);
          machine.transition('hold');
        }
      }
    }
    rejections.flush();
    for (const observer of tally.misconfigured()) {
      // shown in every report even when the verdict did not need this observer
      const message = `${member.attemptId}: observer ${observer.name} is misconfigured: all ${observer.records} record(s) it read were malformed (first: ${observer.firstProblem}); the attempt was judged without it`;
      ctx.sink.emit({ type: 'note', level: 'warn', message });
    }
    // the loop judged at least once: the last judgement is the observation's
    const verdict = machine.labVerdict ?? judgement.verdict;
    const ok = machine.openPhase === 'hold' ? judgement.funnel.stayedRestored && !machine.labVerdict : !machine.labVerdict;
    machine.endPhase(ok, `verdict ${verdict.kind}`);
  }

  /**
   * Runs the check until it tells (a probe error is retried, never read as
   * drift). The command is recorded as evidence only when its answer changes or
   * it errs (the log stays small over long windows). Undefined when the attempt
   * ended instead: interrupted, transport lost, or the check kept erring.
   */
  private async sampleGroundTruth(interrupt: AbortSignal, rel: () => number, previous: boolean): Promise<ProbeSample | undefined> {
    const { member, machine, exec, ctx } = this.options;
    const check = member.commands.check;
    const startedAt = rel();
    try {
      const run = async (armed: ArmedCheck) => {
        const sentAt = ctx.elapsed();
        const result = await exec.run('probe', armed.script, { signal: interrupt, record: false });
        // A probe error is evidence too; so is every change of answer.
        const kind = readCheck(result, armed.nonce).kind;
        if (kind === 'probe_error' || (kind === 'compliant') !== previous) exec.record('probe', armed.script, sentAt, result);
        return result;
      };
      const outcome = await checkUntilItTells(check, run, ctx.clock, interrupt);
      if (outcome.kind === 'probe_error') {
        machine.fail('probe_error', `${observingPhase(machine)}: ${outcome.detail}`);
        return undefined;
      }
      return { startedAt, at: rel(), compliant: outcome.kind === 'compliant' };
    } catch (error) {
      if (interrupt.aborted) machine.fail('interrupted', `interrupted during ${observingPhase(machine)}`);
      else if (isTransportError(error)) machine.failWith(error, observingPhase(machine));
      else machine.fail('lab_error', `ground-truth check failed to run: ${errorMessage(error)}`);
      return undefined;
    }
  }
}

/** Observation runs in observe, then in hold once the ground truth is restored. */
function observingPhase(machine: AttemptMachine): 'observe' | 'hold' {
  return machine.state === 'hold' ? 'hold' : 'observe';
}

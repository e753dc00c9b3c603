import { AbortFanout } from '../core/abort-fanout.js';
import { errorMessage, isTransportError } from '../core/errors.js';
import { meetsExpectation } from '../model/expectation.js';
import type { Transport } from '../transport/transport.js';
import type { AttemptOutcome, EngineContext, InjectionSpec } from './context.js';
import { Member } from './member.js';
import type { InjectionTimes } from './observe.js';
import { hostFailureReason } from './attempt-machine.js';
import { transportFailureReason } from './host-exec.js';
import { prepareObservers } from './observer-start.js';
import { measureSkew, type SkewMeasurement } from './skew.js';
import type { ProbeSample } from './verdict.js';

/**
 * Runs one injection — a single attempt, or every member of a bundle on one
 * host — through the phases of the attempt (ATTEMPT_TRANSITIONS in
 * attempt-machine.ts, drawn in docs/architecture.md).
 */
export function runInjection(spec: InjectionSpec, transport: Transport, ctx: EngineContext, interrupt: AbortSignal): Promise<AttemptOutcome[]> {
  return new Injection({ spec, transport, ctx, interrupt }).run();
}

export interface InjectionOptions {
  readonly spec: InjectionSpec;
  readonly transport: Transport;
  readonly ctx: EngineContext;
  /** The run's Ctrl-C: stops injecting and observing; the revert still runs. */
  readonly interrupt: AbortSignal;
}

/**
 * Members are snapshotted and journalled before any of them is injected, all
 * are injected before any is observed, they are observed concurrently and
 * reverted in reverse order. The revert always runs (errors, Ctrl-C), and a
 * journal entry is removed only when the baseline check passes again.
 */
export class Injection {
  private readonly members: readonly Member[];
  private readonly stopObservers = new AbortController();
  // every member's watches take a child of it: one listener on the stop signal however large the bundle
  private readonly stopFanout = new AbortFanout(this.stopObservers.signal);
  /** Every observer's pump; settled (nothing to wait for) until the injection starts them. */
  private pumps: Promise<void> = Promise.resolve();

  constructor(private readonly options: InjectionOptions) {
    const { spec, transport, ctx } = options;
    this.members = spec.members.map((member) => new Member({ member, host: spec.host, transport, ctx }));
  }

  async run(): Promise<AttemptOutcome[]> {
    try {
      await this.injectAndObserve();
    } catch (error) {
      for (const member of this.active()) {
        member.machine.failWith(error, member.machine.openPhase ?? 'inject');
        member.machine.endPhase(false, errorMessage(error));
      }
    } finally {
      this.stopObservers.abort();
      this.stopFanout[Symbol.dispose]();
      await this.settlePumps();
      for (const member of [...this.members].reverse()) await member.revert();
    }
    return this.finish();
  }

  private active(): Member[] {
    return this.members.filter((m) => !m.decided);
  }

  /** Everything up to the end of observation; returns early when the lab decided every member. */
  private async injectAndObserve(): Promise<void> {
    const { spec, ctx, interrupt } = this.options;
    const skew = await this.preflight();
    if (!skew) return;
    if (interrupt.aborted) {
      for (const member of this.active()) member.machine.fail('interrupted', 'interrupted before injection');
      return;
    }
    // A failed snapshot decided every member: what follows then runs over no member.
    await this.snapshotAndJournal();

    // Observers that read from a position (a log's end) take it before anything of this attempt happens.
    await prepareObservers({ members: this.active(), host: spec.host, ctx, skewMs: skew.skewMs, interrupt });
    const injectStartWall = ctx.clock.wallNow();
    // the stop fan-out lives until the observers are stopped: its children need no release
    this.pumps = Promise.all(this.active().map((m) => m.observation.pumpAll({ since: injectStartWall, skewMs: skew.skewMs, stop: this.stopFanout.child().signal }))).then(() => undefined);
    for (const member of this.active()) {
      // Ctrl-C stops injecting: members not yet injected are only un-journalled.
      if (interrupt.aborted) {
        member.machine.fail('interrupted', 'interrupted before injection');
        continue;
      }
      await member.inject();
    }
    const times: InjectionTimes = { injectStartWall, t0Wall: ctx.clock.wallNow(), t0Mono: ctx.clock.now(), skewMs: skew.skewMs, skewUncertaintyMs: skew.uncertaintyMs };
    for (const member of this.active()) ctx.sink.emit({ type: 'attempt_t0', attemptId: member.attemptId, t0Wall: times.t0Wall, skewMs: times.skewMs });

    // a member whose drift is not confirmed has ended: only the others are observed
    const observed: [Member, ProbeSample][] = [];
    for (const member of this.active()) {
      const first = await member.confirmDrift(times, interrupt);
      if (first) observed.push([member, first]);
    }
    // each observing member waits on its own child of the interrupt: one listener on the run-wide signal, not one per member;
    // the fan-out ends with the observation, so its children need no release
    using fanout = new AbortFanout(interrupt);
    await Promise.all(observed.map(([member, first]) => member.observation.observe({ times, first, interrupt: fanout.child().signal })));
  }

  /** Observers must end when aborted; one that does not is given a moment, then left behind rather than hanging the run. */
  private async settlePumps(): Promise<void> {
    const timer = new AbortController();
    await Promise.race([this.pumps, this.options.ctx.clock.sleep(2000, timer.signal).catch(() => undefined)]);
    timer.abort();
  }

  /** The host clock's skew; undefined when preflight decided every member (nothing is injected then). */
  private async preflight(): Promise<SkewMeasurement | undefined> {
    const { transport, ctx } = this.options;
    for (const member of this.members) member.machine.transition('preflight');
    const failAll = (reason: 'unreachable' | 'transport_lost' | 'credentials_refused' | 'clock_skew' | 'lab_error', detail: string) => {
      for (const member of this.members) {
        member.machine.fail(reason, detail);
        member.machine.endPhase(false, detail);
      }
    };
    try {
      await transport.probe({ timeoutMs: 10_000 });
    } catch (error) {
      failAll(hostFailureReason(error, 'preflight'), `transport probe failed: ${errorMessage(error)}`);
      return undefined;
    }
    let skew;
    try {
      skew = await measureSkew(transport, ctx.clock, 3);
    } catch (error) {
      failAll(isTransportError(error) ? hostFailureReason(error, 'preflight') : 'lab_error', `clock skew could not be measured: ${errorMessage(error)}`);
      return undefined;
    }
    if (Math.abs(skew.skewMs) - skew.uncertaintyMs > ctx.clockSkewToleranceMs) {
      failAll('clock_skew', `host clock is off by ${skew.skewMs}ms (±${skew.uncertaintyMs}ms), tolerance ${ctx.clockSkewToleranceMs}ms`);
      return undefined;
    }
    for (const member of this.members) {
      try {
        await member.applicableAndAtBaseline();
      } catch (error) {
        member.machine.failWith(error, 'preflight');
      }
    }
    const dirty = this.members.find((m) => m.decided);
    for (const member of this.members) {
      // A compound drift is only meaningful when every member starts from baseline.
      if (dirty && !member.decided) member.machine.decideLike(dirty.machine);
      member.machine.endPhase(!member.decided, member.machine.labVerdict?.detail);
    }
    return dirty ? undefined : skew;
  }

  private async snapshotAndJournal(): Promise<void> {
    for (const member of this.members) {
      try {
        await member.snapshotAndJournal();
      } catch (error) {
        const detail = `snapshot/journal of ${member.attemptId} failed: ${errorMessage(error)}`;
        for (const other of this.members) other.machine.fail(isTransportError(error) ? transportFailureReason(error) : 'lab_error', detail);
        member.machine.endPhase(false, detail);
        return;
      }
    }
  }

  private finish(): AttemptOutcome[] {
    const { ctx } = this.options;
    return this.members.map(({ machine, member }) => {
      machine.transition('ended');
      const judgement = machine.judgement;
      const verdict = machine.verdict();
      const passed = meetsExpectation(member.scenario.expect, verdict);
      ctx.sink.emit({
        type: 'attempt_ended',
        attemptId: member.attemptId,
        verdict,
        passed,
        timings: judgement?.timings ?? {},
        ...(judgement?.observedTier !== undefined && { observedTier: judgement.observedTier }),
        ...(judgement?.observedRunbook !== undefined && { observedRunbook: judgement.observedRunbook }),
      });
      return { attemptId: member.attemptId, verdict, passed };
    });
  }
}

import type { HostConfig } from '../config/lab-schema.js';
import { AbortFanout } from '../core/abort-fanout.js';
import { errorMessage, isTransportError } from '../core/errors.js';
import { excerpt } from '../core/redact.js';
import { waitFor } from '../core/wait.js';
import type { Transport } from '../transport/transport.js';
import { checkUntilItTells } from './check-outcome.js';
import type { AttemptOutcome, EngineContext, InjectionSpec } from './context.js';
import { MemberState } from './member.js';
import { observeMember, stackReportedDrift, startObserverPumps, type InjectionTimes } from './observe.js';
import { prepareObservers } from './observer-start.js';
import { transportFailureReason } from './host-exec.js';
import { measureSkew } from './skew.js';
import type { ProbeSample } from './verdict.js';
import { Wakeup } from './wakeup.js';

/**
 * Runs one injection — a single attempt, or every member of a bundle on one
 * host — through the phases of the attempt (docs/architecture.md):
 *
 *   preflight → snapshot → (journal) → inject → confirm drift → observe → hold → revert → verify baseline
 *
 * Members are snapshotted and journalled before any of them is injected, all
 * are injected before any is observed, they are observed concurrently and
 * reverted in reverse order. The revert always runs (errors, Ctrl-C), and a
 * journal entry is removed only when the baseline check passes again.
 */
export async function runInjection(spec: InjectionSpec, transport: Transport, ctx: EngineContext, interrupt: AbortSignal): Promise<AttemptOutcome[]> {
  const states = spec.members.map((member) => new MemberState(member, ctx, transport));
  const stopObservers = new AbortController();
  const pumps: { running?: Promise<void> } = {};
  try {
    await injectAndObserve(spec, states, transport, ctx, interrupt, stopObservers.signal, pumps);
  } catch (error) {
    for (const state of states.filter((s) => !s.decided)) {
      state.failWith(error, state.phase ?? 'inject');
      state.endPhase(false, errorMessage(error));
    }
  } finally {
    stopObservers.abort();
    await settlePumps(pumps.running, ctx);
    await revertAll(states, ctx);
  }
  return finish(states, ctx);
}

/** Everything up to the end of observation; returns early when the lab decided every member. */
async function injectAndObserve(
  spec: InjectionSpec,
  states: readonly MemberState[],
  transport: Transport,
  ctx: EngineContext,
  interrupt: AbortSignal,
  stopObservers: AbortSignal,
  pumps: { running?: Promise<void> },
): Promise<void> {
  const active = () => states.filter((s) => !s.decided);
  const skew = await preflight(states, transport, ctx);
  if (!active().length) return;
  if (interrupt.aborted) {
    for (const state of active()) state.fail('interrupted', 'interrupted before injection');
    return;
  }
  await snapshotAndJournal(states, spec, transport, ctx);
  if (!active().length) return;

  const wakeups = new Map(states.map((s) => [s, new Wakeup(ctx.clock)]));
  // Observers that read from a position (a log's end) take it before anything of this attempt happens.
  await prepareObservers(active(), spec.host, ctx, skew.skewMs, interrupt);
  const injectStartWall = ctx.clock.wallNow();
  pumps.running = startObserverPumps(active(), spec.host, ctx, injectStartWall, skew.skewMs, wakeups, stopObservers);
  for (const state of active()) {
    // Ctrl-C stops injecting: members not yet injected are only un-journalled.
    if (interrupt.aborted) {
      state.fail('interrupted', 'interrupted before injection');
      continue;
    }
    state.startPhase('inject');
    state.injectStarted = true;
    const result = await state.exec('inject', state.member.commands.inject);
    state.injectExit = result.exitCode;
    state.endPhase(result.exitCode === 0, result.exitCode === 0 ? undefined : `inject exited ${result.exitCode}`);
  }
  const times: InjectionTimes = { injectStartWall, t0Wall: ctx.clock.wallNow(), t0Mono: ctx.clock.now(), skewMs: skew.skewMs, skewUncertaintyMs: skew.uncertaintyMs };
  for (const state of active()) ctx.sink.emit({ type: 'attempt_t0', attemptId: state.attemptId, t0Wall: times.t0Wall, skewMs: times.skewMs });

  const firstSamples = new Map<MemberState, ProbeSample>();
  for (const state of active()) {
    state.startPhase('confirm_drift');
    const startedAt = ctx.clock.now() - times.t0Mono;
    const outcome = await checkUntilItTells(() => state.exec('check', state.member.commands.check), ctx.clock, interrupt);
    if (outcome.kind === 'probe_error') {
      state.fail('probe_error', `confirm_drift: ${outcome.detail}`);
      state.endPhase(false, outcome.detail);
      continue;
    }
    const compliant = outcome.kind === 'compliant';
    const confirmedBy = compliant ? await stackEvidence(state, spec.host, times, ctx) : undefined;
    if (compliant && !confirmedBy) {
      state.fail('injection_not_applied', `the check still passes after the injection (inject exited ${state.injectExit})`);
      state.endPhase(false, 'check still passes');
      continue;
    }
    const sample = { startedAt, at: ctx.clock.now() - times.t0Mono, compliant };
    ctx.sink.emit({ type: 'probe', attemptId: state.attemptId, at: Math.round(sample.at), compliant });
    firstSamples.set(state, sample);
    state.endPhase(true, confirmedBy && `already restored; the drift was confirmed by the stack: ${confirmedBy}`);
  }
  // each observing member waits on its own child of the interrupt: one listener on the run-wide signal, not one per member
  using fanout = new AbortFanout(interrupt);
  await Promise.all(
    active().map(async (state) => {
      const child = fanout.child();
      try {
        await observeMember(state, spec.host, times, firstSamples.get(state)!, ctx, wakeups.get(state)!, child.signal);
      } finally {
        child.release();
      }
    }),
  );
}

/**
 * A healer may undo the drift between the injection and chaoslab's first
 * check. The injection still took if the stack reported this drift after it
 * started; its event may trail the check by the observer's lag, so it gets up to
 * one probe interval (at least a second) to arrive.
 */
async function stackEvidence(state: MemberState, host: HostConfig, times: InjectionTimes, ctx: EngineContext): Promise<string | undefined> {
  if (!ctx.observers.length) return undefined;
  try {
    return await waitFor(async () => stackReportedDrift(state, host, times, ctx), {
      clock: ctx.clock,
      timeoutMs: Math.max(1000, state.member.scenario.probe_interval),
      intervalMs: 50,
      description: 'the stack to report the drift',
    });
  } catch {
    return undefined;
  }
}

/** Observers must end when aborted; one that does not is given a moment, then left behind rather than hanging the run. */
async function settlePumps(pumps: Promise<void> | undefined, ctx: EngineContext): Promise<void> {
  if (!pumps) return;
  const timer = new AbortController();
  await Promise.race([pumps, ctx.clock.sleep(2000, timer.signal).catch(() => undefined)]);
  timer.abort();
}

async function preflight(states: readonly MemberState[], transport: Transport, ctx: EngineContext): Promise<{ skewMs: number; uncertaintyMs: number }> {
  for (const state of states) state.startPhase('preflight');
  const failAll = (reason: 'unreachable' | 'credentials_refused' | 'clock_skew' | 'lab_error', detail: string) => {
    for (const state of states) {
      state.fail(reason, detail);
      state.endPhase(false, detail);
    }
  };
  try {
    await transport.probe({ timeoutMs: 10_000 });
  } catch (error) {
    failAll(unreachableOr(error), `transport probe failed: ${errorMessage(error)}`);
    return { skewMs: 0, uncertaintyMs: 0 };
  }
  let skew;
  try {
    skew = await measureSkew(transport, ctx.clock, 3);
  } catch (error) {
    failAll(isTransportError(error) ? unreachableOr(error) : 'lab_error', `clock skew could not be measured: ${errorMessage(error)}`);
    return { skewMs: 0, uncertaintyMs: 0 };
  }
  if (Math.abs(skew.skewMs) - skew.uncertaintyMs > ctx.clockSkewToleranceMs) {
    failAll('clock_skew', `host clock is off by ${skew.skewMs}ms (±${skew.uncertaintyMs}ms), tolerance ${ctx.clockSkewToleranceMs}ms`);
    return skew;
  }
  for (const state of states) {
    try {
      await applicableAndAtBaseline(state, ctx);
    } catch (error) {
      state.failWith(error, 'preflight');
    }
  }
  const dirty = states.find((s) => s.decided);
  for (const state of states) {
    // A compound drift is only meaningful when every member starts from baseline.
    if (dirty && !state.decided) state.decideLike(dirty);
    state.endPhase(!state.decided, state.labVerdict?.detail);
  }
  return skew;
}

/** Before anything is injected a lost transport is `unreachable`; refused credentials keep their own reason. */
function unreachableOr(error: unknown): 'unreachable' | 'credentials_refused' {
  return transportFailureReason(error) === 'credentials_refused' ? 'credentials_refused' : 'unreachable';
}

/** The fault's own preflight (can this host take it?), then the baseline check; both retried on probe errors. */
async function applicableAndAtBaseline(state: MemberState, ctx: EngineContext): Promise<void> {
  const { applicable, check } = state.member.commands;
  if (applicable !== undefined) {
    let said = '';
    const outcome = await checkUntilItTells(async () => {
      const result = await state.exec('preflight', applicable);
      said = (result.stdout || result.stderr).trim();
      return result;
    }, ctx.clock);
    if (outcome.kind === 'probe_error') return state.fail('probe_error', `preflight could not tell whether the fault applies: ${outcome.detail}`);
    if (outcome.kind === 'drifted') return state.skipNotApplicable(`not applicable here: ${excerpt(said, 300) || 'the fault\'s preflight refused this host'}`);
  }
  const outcome = await checkUntilItTells(() => state.exec('preflight', check), ctx.clock);
  if (outcome.kind === 'probe_error') state.fail('probe_error', `the baseline check could not tell before injection: ${outcome.detail}`);
  else if (outcome.kind === 'drifted') state.fail('baseline_dirty', 'the baseline check fails before injection (exit 1: drifted)');
}

async function snapshotAndJournal(states: readonly MemberState[], spec: InjectionSpec, transport: Transport, ctx: EngineContext): Promise<void> {
  const snapshots = new Map<MemberState, string>();
  for (const state of states) {
    state.startPhase('snapshot');
    const command = state.member.commands.snapshot;
    try {
      if (command !== undefined) {
        const result = await state.exec('snapshot', command);
        if (result.exitCode !== 0) throw new Error(`snapshot exited ${result.exitCode}: ${excerpt((result.stderr || result.stdout).trim(), 300)}`);
        snapshots.set(state, result.stdout.trim());
      } else snapshots.set(state, '');
      // The revert is durable on disk before any injection command of the bundle runs.
      state.entry = await ctx.journal.record({
        runId: ctx.runId,
        attemptId: state.attemptId,
        host: spec.host.name,
        labFile: ctx.labFile,
        hostIdentity: ctx.hostIdentity(spec.host.name),
        shell: transport.shell,
        revert: [state.member.commands.revert(snapshots.get(state)!)],
        check: state.member.commands.check,
        timeoutMs: state.member.scenario.timeout,
      });
      state.endPhase(true);
    } catch (error) {
      const detail = `snapshot/journal of ${state.attemptId} failed: ${errorMessage(error)}`;
      for (const other of states) other.fail(isTransportError(error) ? transportFailureReason(error) : 'lab_error', detail);
      state.endPhase(false, detail);
      return;
    }
  }
}

async function revertAll(states: readonly MemberState[], ctx: EngineContext): Promise<void> {
  for (const state of [...states].reverse()) {
    const entry = state.entry;
    if (!entry) continue;
    if (!state.injectStarted) {
      await forget(state, ctx);
      continue;
    }
    state.startPhase('revert');
    let reverted = true;
    try {
      for (const command of entry.revert) {
        const result = await state.exec('revert', command);
        if (result.exitCode !== 0) reverted = false;
      }
      state.endPhase(reverted, reverted ? undefined : 'revert command failed');
    } catch (error) {
      // The host cannot be reached: checking it would only wait for another timeout. The entry stays.
      const before = state.labVerdict;
      state.failWith(error, 'revert');
      if (state.labVerdict === before) state.addDetail(`the revert could not run: ${errorMessage(error)}`);
      state.addDetail(`journal entry ${entry.id} kept for \`chaoslab revert --pending\``);
      state.endPhase(false, errorMessage(error));
      continue;
    }
    state.startPhase('verify_baseline');
    try {
      const outcome = await checkUntilItTells(() => state.exec('check', entry.check), ctx.clock);
      if (outcome.kind === 'compliant') {
        await forget(state, ctx);
        state.endPhase(true);
        continue;
      }
      // Either way the revert is not proven: the entry stays for `chaoslab revert --pending`.
      if (outcome.kind === 'probe_error') state.fail('probe_error', `verify_baseline: ${outcome.detail}; journal entry ${entry.id} kept`);
      else state.fail('revert_failed', `host not at baseline after the revert (check exited 1: drifted); journal entry ${entry.id} kept`);
      state.endPhase(false, outcome.kind === 'probe_error' ? outcome.detail : 'check exited 1');
    } catch (error) {
      state.failWith(error, 'verify_baseline');
      state.addDetail(`journal entry ${entry.id} kept for \`chaoslab revert --pending\``);
      state.endPhase(false, errorMessage(error));
    }
  }
}

/** Removes a member's journal entry; if that fails the entry is replayed later, which re-applies a harmless revert. */
async function forget(state: MemberState, ctx: EngineContext): Promise<void> {
  try {
    await ctx.journal.remove(state.entry!.id);
  } catch (error) {
    ctx.sink.emit({ type: 'note', level: 'warn', message: `${state.attemptId}: ${errorMessage(error)}; a later replay will revert it again` });
  }
}

function finish(states: readonly MemberState[], ctx: EngineContext): AttemptOutcome[] {
  return states.map((state) => {
    const judgement = state.judgement;
    const verdict = state.labVerdict ?? judgement?.verdict ?? { kind: 'inconclusive' as const, reason: 'lab_error' as const, detail: 'the attempt ended without a verdict' };
    const passed = !state.labVerdict && (judgement?.passed ?? false);
    ctx.sink.emit({
      type: 'attempt_ended',
      attemptId: state.attemptId,
      verdict,
      passed,
      timings: judgement?.timings ?? {},
      ...(judgement?.observedTier !== undefined && { observedTier: judgement.observedTier }),
      ...(judgement?.observedRunbook !== undefined && { observedRunbook: judgement.observedRunbook }),
    });
    return { attemptId: state.attemptId, verdict, passed };
  });
}

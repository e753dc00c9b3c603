import type { HostConfig, LabConfig } from '../config/lab-schema.js';
import { AbortFanout } from '../core/abort-fanout.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { EventSink } from '../events/sink.js';
import { hostIdentity } from '../journal/identity.js';
import type { RevertJournal } from '../journal/journal.js';
import { observerCheckTypeAliases } from '../observers/correlate.js';
import { deliveryAllowances } from '../observers/delivery.js';
import type { Observer } from '../observers/observer.js';
import type { Transport } from '../transport/transport.js';
import type { Verdict } from '../model/verdict.js';
import { runInjection } from './attempt.js';
import { faultCommands } from './commands.js';
import { hostLoss, type HostLoss } from './host-exec.js';
import type { AttemptOutcome, EngineContext, InjectionSpec } from './context.js';
import type { Plan, PlannedAttempt } from './plan-types.js';
import { haltedBy } from './halt.js';
import { runSchedule, type ScheduleUnit } from './scheduler.js';

export interface ExecuteOptions {
  readonly runId: string;
  readonly plan: Plan;
  readonly lab: LabConfig;
  /** Absolute path of the inventory (journal entries name it for replay). */
  readonly labFile: string;
  readonly concurrency: number;
  readonly clock: Clock;
  readonly sink: EventSink;
  readonly elapsed: () => number;
  readonly journal: RevertJournal;
  readonly logger: Logger;
  readonly transportFor: (host: string) => Transport;
  readonly observers: readonly Observer[];
  /** First Ctrl-C: stop starting and injecting; active attempts are reverted. */
  readonly interrupt: AbortSignal;
  /** Hosts that must not be used (pending reverts that could not be replayed), with why. */
  readonly quarantined?: ReadonlyMap<string, string>;
  /** Runs before each attempt of a unit is injected (the before_attempt hook). */
  readonly beforeAttempt?: (attemptId: string) => Promise<void>;
}

interface WorkUnit extends ScheduleUnit {
  readonly spec: InjectionSpec;
  readonly attempts: readonly PlannedAttempt[];
}

/** Records every planned attempt (reporters learn the plan's size from these). */
export function recordPlan(plan: Plan, sink: EventSink): void {
  for (const attempt of plan.attempts) {
    const { config } = attempt.scenario;
    sink.emit({
      type: 'attempt_planned',
      attemptId: attempt.attemptId,
      scenarioId: config.id,
      title: config.title,
      platform: config.platform,
      host: attempt.host?.name ?? config.target,
      checkType: config.check_type,
      tags: config.tags,
      ...(config.category !== undefined && { category: config.category }),
      ...(attempt.bundleId !== undefined && { bundleId: attempt.bundleId }),
      repeatIndex: attempt.repeatIndex,
      slaMs: config.sla,
      windowMs: config.window,
      holdMs: config.hold,
      resources: attempt.resources,
      expect: config.expect,
    });
  }
}

/** Attempts the plan will not run end right away with their skip reason. */
export function recordSkips(plan: Plan, sink: EventSink): void {
  for (const attempt of plan.attempts) {
    if (attempt.skip) sink.emit({ type: 'attempt_ended', attemptId: attempt.attemptId, verdict: { kind: 'skipped', ...attempt.skip }, passed: false, timings: {} });
  }
}

/** Single attempts and bundle injections, in plan order (a bundle takes the place of its first member). */
function workUnits(plan: Plan): WorkUnit[] {
  const groups = new Map<string, { host: HostConfig; attempts: PlannedAttempt[] }>();
  for (const attempt of plan.attempts) {
    if (attempt.skip || !attempt.host) continue;
    const id = attempt.bundleRunId ?? attempt.attemptId;
    const group = groups.get(id) ?? { host: attempt.host, attempts: [] };
    group.attempts.push(attempt);
    groups.set(id, group);
  }
  return [...groups].map(([id, group]) => unitOf(id, group.host, group.attempts));
}

function unitOf(id: string, host: HostConfig, attempts: readonly PlannedAttempt[]): WorkUnit {
  return {
    id,
    host: host.name,
    resources: [...new Set(attempts.flatMap((a) => a.resources))],
    spacingKeys: attempts.map((a) => `${host.name}|${a.scenario.config.check_type}`),
    attempts,
    spec: {
      host,
      members: attempts.map((a) => ({ attemptId: a.attemptId, scenario: a.scenario.config, commands: faultCommands(a.scenario, host) })),
      ...(attempts[0]?.bundleRunId !== undefined && { bundleRunId: attempts[0].bundleRunId }),
    },
  };
}

/** Runs a plan: schedules every attempt, quarantines hosts that drop, judges bundles as a whole. */
export async function executePlan(options: ExecuteOptions): Promise<AttemptOutcome[]> {
  const { sink, plan } = options;
  const ctx: EngineContext = {
    runId: options.runId,
    clock: options.clock,
    sink,
    elapsed: options.elapsed,
    journal: options.journal,
    labFile: options.labFile,
    hostIdentity: (name) => {
      const host = options.lab.hosts.find((h) => h.name === name);
      if (!host) throw new Error(`host ${name} is not in lab ${options.lab.name}`);
      return hostIdentity(host);
    },
    clockSkewToleranceMs: options.lab.clock_skew_tolerance,
    observers: options.observers,
    observerCheckTypeAliases: observerCheckTypeAliases(options.lab.observers),
    deliveryAllowanceMs: deliveryAllowances(options.lab.observers),
    logger: options.logger,
  };
  const outcomes: AttemptOutcome[] = [];
  const losses = new Map<string, HostLoss['reason']>();
  // concurrent units take child signals of the interrupt: one listener on it however many run at once
  using fanout = new AbortFanout(options.interrupt);
  await runSchedule(workUnits(plan), {
    concurrency: options.concurrency,
    repeatSpacingMs: plan.repeatSpacingMs,
    clock: options.clock,
    signal: options.interrupt,
    ...(options.quarantined && { quarantined: options.quarantined }),
    execute: async (unit) => {
      for (const attempt of unit.attempts) await options.beforeAttempt?.(attempt.attemptId);
      const interrupt = fanout.child();
      const results = await runInjection(unit.spec, options.transportFor(unit.host), ctx, interrupt.signal).finally(() => interrupt.release());
      outcomes.push(...results);
      if (unit.spec.bundleRunId !== undefined) {
        const passed = results.filter((r) => r.passed).length;
        const level = passed === results.length ? 'info' : 'warn';
        sink.emit({ type: 'note', level, message: `bundle ${unit.spec.bundleRunId}: ${passed}/${results.length} members met their expectation (${passed === results.length ? 'passed' : 'failed'} as a whole)` });
      }
    },
    checkHost: async (unit) => {
      const loss = await hostLoss(options.transportFor(unit.host));
      if (loss) losses.set(unit.host, loss.reason);
      return loss?.detail;
    },
    onQuarantine: (host, detail) => {
      const reason = losses.get(host) ?? 'transport_lost';
      options.logger.warn({ host, reason, detail }, 'host quarantined');
      sink.emit({ type: 'host_quarantined', host, reason, detail });
    },
    onNotRun: (unit, reason, detail) => {
      // a halt is a decision not to start, not a lab failure: the attempt is skipped, outside the score
      const halted = reason === 'interrupted' ? haltedBy(options.interrupt) : undefined;
      for (const attempt of unit.attempts) {
        const verdict: Verdict = halted
          ? { kind: 'skipped', reason: 'halted', detail: `not started: ${halted.message}` }
          : { kind: 'inconclusive', reason, detail };
        sink.emit({ type: 'attempt_ended', attemptId: attempt.attemptId, verdict, passed: false, timings: {} });
        outcomes.push({ attemptId: attempt.attemptId, verdict, passed: false });
      }
    },
  });
  return outcomes;
}

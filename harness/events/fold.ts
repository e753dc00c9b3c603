import { readFile } from 'node:fs/promises';
import { describeCause } from '../model/cause.js';
import type { RunEvent } from '../model/events.js';
import { stackFunnel } from '../model/funnel.js';
import { expectationMismatches } from '../model/mismatch.js';
import type { AttemptResult, CommandRecord, HostSummary, PhaseSpan, ProbeRecord, RejectedSignalRecord, RunHalt, RunModel, RunStatus, SignalRecord } from '../model/run-model.js';
import { isExcludedFromScore } from '../model/verdict.js';
import { mergeResidueScans, ResidueFolder } from './fold-residue.js';
import { errorMessage } from '../core/errors.js';

/**
 * Events → run model. The fold is incremental (live reporters see the model
 * grow) and tolerant: a log cut short by a crash folds into a run with status
 * `crashed`, its unfinished attempts `inconclusive`.
 */
type Planned = Extract<RunEvent, { type: 'attempt_planned' }>;
type Ended = Extract<RunEvent, { type: 'attempt_ended' }>;

interface AttemptState {
  planned: Planned;
  phases: PhaseSpan[];
  commands: CommandRecord[];
  signals: SignalRecord[];
  rejected: RejectedSignalRecord[];
  probes: ProbeRecord[];
  t0Wall?: number;
  skewMs?: number;
  ended?: Ended;
}

/** The fields every event carries, stripped from the records the model keeps. */
const ENVELOPE = ['v', 'seq', 'ts', 'mono', 'runId', 'prev', 'type', 'attemptId'];

function without<T extends object>(value: T, ...keys: string[]): T {
  // Strips envelope fields so records hold only their own data.
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of keys) delete copy[key];
  return copy as T;
}

export class RunFolder {
  private runId = '';
  private lab = '';
  private startedAtWall = 0;
  private endedAtWall: number | undefined;
  private durationMs: number | undefined;
  private exitCode: number | undefined;
  private status: RunStatus = 'running';
  private argv: readonly string[] = [];
  private suite: string | undefined;
  private shard: string | undefined;
  private unsignedWebhooks: readonly string[] = [];
  private readonly hosts = new Map<string, HostSummary>();
  private readonly attempts = new Map<string, AttemptState>();
  private readonly notes: { level: 'info' | 'warn' | 'error'; message: string }[] = [];
  private readonly residue = new ResidueFolder();
  private halt: RunHalt | undefined;
  /**
   * Each attempt's result as last built, dropped when an event of that attempt
   * arrives (all of them when the run's status changes): reporters get the
   * whole model at every attempt's end, and rebuilding every attempt each time
   * made a 400-attempt run quadratic.
   */
  private readonly results = new Map<AttemptState, AttemptResult>();

  apply(event: RunEvent): void {
    if (!this.runId) {
      this.runId = event.runId;
      this.startedAtWall = event.ts;
    }
    const attempt = 'attemptId' in event && event.attemptId ? this.attempts.get(event.attemptId) : undefined;
    if (attempt) this.results.delete(attempt);
    // an unfinished attempt's verdict and every result's shard come from the run
    if (event.type === 'run_started' || event.type === 'run_ended') this.results.clear();
    switch (event.type) {
      case 'run_started':
        this.lab = event.lab;
        this.argv = event.argv;
        this.suite = event.suite;
        this.shard = event.shard;
        this.unsignedWebhooks = event.unsignedWebhooks ?? [];
        this.startedAtWall = event.ts;
        for (const host of event.hosts) this.hosts.set(host.name, { name: host.name, platform: host.platform, roles: host.roles });
        break;
      case 'attempt_planned':
        this.attempts.set(event.attemptId, { planned: event, phases: [], commands: [], signals: [], rejected: [], probes: [] });
        break;
      case 'phase':
        if (!attempt) break;
        if (event.status === 'start') attempt.phases.push({ phase: event.phase, start: event.mono });
        else {
          const index = attempt.phases.map((p) => p.phase).lastIndexOf(event.phase);
          const span = attempt.phases[index];
          if (span) attempt.phases[index] = { ...span, end: event.mono, ...(event.ok !== undefined && { ok: event.ok }) };
        }
        break;
      case 'attempt_t0':
        if (!attempt) break;
        attempt.t0Wall = event.t0Wall;
        attempt.skewMs = event.skewMs;
        break;
      case 'command':
        attempt?.commands.push(without(event, ...ENVELOPE));
        break;
      case 'probe':
        attempt?.probes.push({ at: event.at, compliant: event.compliant });
        break;
      case 'signal':
        attempt?.signals.push(without(event, ...ENVELOPE));
        break;
      case 'signal_rejected':
        attempt?.rejected.push(without(event, ...ENVELOPE));
        break;
      case 'observer_error':
        this.notes.push({ level: 'warn', message: `observer ${event.observer}${event.attemptId ? ` (${event.attemptId})` : ''}: ${event.message}` });
        break;
      case 'attempt_ended':
        if (attempt) attempt.ended = event;
        break;
      case 'host_quarantined': {
        const host = this.hosts.get(event.host);
        if (host) this.hosts.set(event.host, { ...host, quarantined: { reason: event.reason, at: event.mono } });
        break;
      }
      case 'residue_scan_started':
      case 'residue_host_skipped':
      case 'residue_check':
      case 'residue_scan_ended':
        this.residue.apply(event);
        break;
      case 'note':
        this.notes.push({ level: event.level, message: event.message });
        break;
      case 'run_halted':
        this.halt = { condition: event.condition, kind: event.kind, detail: event.detail, ...(event.evidence !== undefined && { evidence: event.evidence }), at: event.mono };
        break;
      case 'run_ended':
        this.status = event.status;
        this.endedAtWall = event.ts;
        this.durationMs = event.mono;
        this.exitCode = event.exitCode;
        break;
    }
  }

  attempt(attemptId: string): AttemptResult | undefined {
    const state = this.attempts.get(attemptId);
    return state && this.resultOf(state);
  }

  private resultOf(state: AttemptState): AttemptResult {
    let result = this.results.get(state);
    if (!result) this.results.set(state, (result = this.toResult(state)));
    return result;
  }

  model(): RunModel {
    const residueScan = this.residue.scan();
    return {
      runId: this.runId,
      lab: this.lab,
      startedAtWall: this.startedAtWall,
      ...(this.endedAtWall !== undefined && { endedAtWall: this.endedAtWall }),
      ...(this.durationMs !== undefined && { durationMs: this.durationMs }),
      status: this.status,
      argv: this.argv,
      ...(this.suite !== undefined && { suite: this.suite }),
      ...(this.shard !== undefined && { shard: this.shard }),
      hosts: [...this.hosts.values()],
      ...(this.unsignedWebhooks.length && { unsignedWebhooks: this.unsignedWebhooks }),
      attempts: [...this.attempts.values()].map((state) => this.resultOf(state)),
      ...(residueScan && { residueScan }),
      ...(this.halt && { halt: this.halt }),
      notes: [...this.notes],
      ...(this.exitCode !== undefined && { exitCode: this.exitCode }),
    };
  }

  /** A log without `run_ended` belongs to a run that died: call this after the last event. */
  finishTruncated(): void {
    if (this.status === 'running') this.status = 'crashed';
    this.results.clear();
  }

  private toResult(state: AttemptState): AttemptResult {
    const { planned, ended } = state;
    const unfinished = this.status === 'running' ? 'is still running' : `never ended (run ${this.status})`;
    const verdict = ended?.verdict ?? { kind: 'inconclusive' as const, reason: this.status === 'interrupted' ? ('interrupted' as const) : ('lab_error' as const), detail: `the attempt ${unfinished}` };
    const observedTier = ended?.observedTier;
    const observedRunbook = ended?.observedRunbook;
    const phaseOk = (phase: PhaseSpan['phase']) => state.phases.some((p) => p.phase === phase && p.ok === true);
    const timings = ended?.timings ?? {};
    const lastPhaseEnd = state.phases.reduce<number | undefined>((latest, p) => (p.end !== undefined && (latest === undefined || p.end > latest) ? p.end : latest), undefined);
    const result: AttemptResult = {
      attemptId: planned.attemptId,
      scenarioId: planned.scenarioId,
      title: planned.title,
      platform: planned.platform,
      host: planned.host,
      checkType: planned.checkType,
      tags: planned.tags,
      ...(planned.category !== undefined && { category: planned.category }),
      ...(planned.bundleId !== undefined && { bundleId: planned.bundleId }),
      repeatIndex: planned.repeatIndex,
      ...(this.shard !== undefined && { shard: this.shard }),
      slaMs: planned.slaMs,
      windowMs: planned.windowMs,
      holdMs: planned.holdMs,
      expect: planned.expect,
      verdict,
      passed: ended?.passed ?? false,
      scored: !isExcludedFromScore(verdict.kind),
      ...(observedTier !== undefined && { observedTier }),
      ...(observedRunbook !== undefined && { observedRunbook }),
      ...expectationMismatches({ expect: planned.expect, observedTier, observedRunbook, timings, signals: state.signals }),
      timings,
      funnel: {
        injected: state.phases.some((p) => p.phase === 'inject' && p.end !== undefined),
        driftConfirmed: phaseOk('confirm_drift'),
        ...stackFunnel({ timings, signals: state.signals, held: phaseOk('hold') }),
      },
      phases: state.phases,
      startedAt: state.phases[0]?.start ?? planned.mono,
      ...(ended ? { endedAt: ended.mono } : lastPhaseEnd !== undefined && { endedAt: lastPhaseEnd }),
      ...(state.t0Wall !== undefined && { t0Wall: state.t0Wall }),
      ...(state.skewMs !== undefined && { skewMs: state.skewMs }),
      commands: state.commands,
      signals: state.signals,
      rejectedSignals: state.rejected,
      probes: state.probes,
    };
    return { ...result, cause: describeCause(result) };
  }
}

export interface ParsedLog {
  readonly events: RunEvent[];
  /** The last line was cut short (the writer died mid-line). */
  readonly truncated: boolean;
  /** Lines that are not JSON events (other than a truncated last line). */
  readonly errors: readonly { line: number; message: string }[];
}

export function parseEventLog(text: string): ParsedLog {
  const lines = text.split('\n');
  const events: RunEvent[] = [];
  const errors: { line: number; message: string }[] = [];
  let truncated = false;
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    try {
      const event = JSON.parse(line) as RunEvent;
      if (event?.v !== 1 || typeof event.type !== 'string') throw new Error('not a chaoslab event');
      events.push(event);
    } catch (error) {
      const isLast = lines.slice(index + 1).every((rest) => !rest.trim());
      if (isLast && !text.endsWith('\n')) truncated = true;
      else errors.push({ line: index + 1, message: errorMessage(error) });
    }
  });
  return { events, truncated, errors };
}

export function foldEvents(events: readonly RunEvent[]): RunModel {
  const folder = new RunFolder();
  for (const event of events) folder.apply(event);
  folder.finishTruncated();
  return folder.model();
}

/** Reads and folds one events.jsonl. */
export async function foldLogFile(path: string): Promise<RunModel> {
  const parsed = parseEventLog(await readFile(path, 'utf8'));
  const model = foldEvents(parsed.events);
  const notes = parsed.errors.map((e) => ({ level: 'warn' as const, message: `${path}:${e.line}: skipped a line that is not an event (${e.message})` }));
  if (parsed.truncated) notes.push({ level: 'warn', message: `${path}: the last line was cut short (the run crashed while writing)` });
  return notes.length ? { ...model, notes: [...model.notes, ...notes] } : model;
}

const STATUS_SEVERITY: readonly RunStatus[] = ['crashed', 'interrupted', 'halted', 'running', 'completed'];

/**
 * Merges the models of several logs (shards of one plan, or runs on several
 * machines) into one scorecard. Attempt ids are unique per plan, so a shard's
 * attempts are kept as they are; the same attempt in two logs keeps the later one.
 */
export function mergeRunModels(models: readonly RunModel[]): RunModel {
  if (!models.length) throw new Error('nothing to merge');
  const sorted = [...models].sort((a, b) => a.startedAtWall - b.startedAtWall || a.runId.localeCompare(b.runId));
  const first = sorted[0]!;
  const attempts = new Map<string, AttemptResult>();
  const hosts = new Map<string, HostSummary>();
  for (const model of sorted) {
    for (const attempt of model.attempts) attempts.set(attempt.attemptId, attempt.shard || !model.shard ? attempt : { ...attempt, shard: model.shard });
    for (const host of model.hosts) {
      const known = hosts.get(host.name);
      hosts.set(host.name, known?.quarantined ? known : host);
    }
  }
  const ends = sorted.map((m) => m.endedAtWall).filter((t): t is number => t !== undefined);
  const endedAtWall = ends.length === sorted.length ? Math.max(...ends) : undefined;
  const status = STATUS_SEVERITY.find((s) => sorted.some((m) => m.status === s)) ?? 'completed';
  const residueScan = mergeResidueScans(sorted);
  // a shard that halted stopped the whole nightly's worth of that lab: its halt stands for the merge
  const halt = sorted.find((m) => m.halt)?.halt;
  return {
    runId: first.runId,
    lab: [...new Set(sorted.map((m) => m.lab))].join(', '),
    startedAtWall: first.startedAtWall,
    ...(endedAtWall !== undefined && { endedAtWall, durationMs: endedAtWall - first.startedAtWall }),
    status,
    argv: first.argv,
    ...(first.suite !== undefined && { suite: first.suite }),
    hosts: [...hosts.values()],
    attempts: [...attempts.values()],
    ...(residueScan && { residueScan }),
    ...(halt && { halt }),
    notes: sorted.flatMap((m) => m.notes),
    mergedFrom: sorted.flatMap((m) => m.mergedFrom ?? [m.runId]),
  };
}

import { ChaoslabError, errorMessage, isTransportError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { EventSink } from '../events/sink.js';
import type { Phase } from '../model/run-model.js';
import type { InconclusiveReason, Verdict } from '../model/verdict.js';
import { transportFailureReason } from './host-exec.js';
import type { Judgement } from './verdict.js';

/** Where one attempt is: before its first phase, in a phase (model/run-model.ts), or over. */
export type AttemptState = 'planned' | Phase | 'ended';

export interface Transition {
  readonly to: Phase | 'ended';
  /** Why the attempt takes this edge; the label in the diagram of docs/architecture.md (no `:` or `;`, which Mermaid reads as syntax). */
  readonly when: string;
}

/**
 * The attempt's phases and every move between them: the one list of phases.
 * A move not listed is a bug in the runner and is refused (IllegalTransitionError).
 * Members of a bundle each follow this table; the runner keeps them in step
 * (all snapshotted before any is injected, all injected before any is observed).
 */
export const ATTEMPT_TRANSITIONS: { readonly [S in AttemptState]: readonly Transition[] } = {
  planned: [{ to: 'preflight', when: 'the attempt starts' }],
  preflight: [
    { to: 'snapshot', when: 'reachable, clock skew within tolerance, at baseline' },
    { to: 'ended', when: 'unreachable, credentials_refused, clock_skew, baseline_dirty, not applicable or Ctrl-C' },
  ],
  snapshot: [
    { to: 'inject', when: 'snapshot taken, revert journalled and fsynced' },
    { to: 'ended', when: 'snapshot or journal failed, or Ctrl-C (entry removed, nothing injected)' },
  ],
  inject: [
    { to: 'confirm_drift', when: 'inject command ran' },
    { to: 'revert', when: 'the transport failed while injecting' },
  ],
  confirm_drift: [
    { to: 'observe', when: 'check reports drift, or the stack reported it' },
    { to: 'revert', when: 'injection_not_applied, probe_error or a lab failure' },
  ],
  observe: [
    { to: 'hold', when: 'ground truth restored' },
    { to: 'revert', when: 'verdict settled, window ended, or a lab failure' },
  ],
  hold: [{ to: 'revert', when: 'hold ended, re-drift, or a lab failure' }],
  revert: [
    { to: 'verify_baseline', when: 'revert commands ran' },
    { to: 'ended', when: 'transport lost (journal entry kept)' },
  ],
  verify_baseline: [{ to: 'ended', when: 'baseline check passes (entry removed), else revert_failed (entry kept)' }],
  ended: [],
};

export function canTransition(from: AttemptState, to: Phase | 'ended'): boolean {
  return ATTEMPT_TRANSITIONS[from].some((t) => t.to === to);
}

/** The table as a Mermaid state diagram (the one in docs/architecture.md must equal it). */
export function attemptDiagram(): string {
  const name = (state: AttemptState) => (state === 'planned' || state === 'ended' ? '[*]' : state);
  const lines = ['stateDiagram-v2'];
  for (const [from, transitions] of Object.entries(ATTEMPT_TRANSITIONS) as [AttemptState, readonly Transition[]][]) {
    for (const t of transitions) lines.push(`  ${name(from)} --> ${name(t.to)}: ${t.when}`);
  }
  return lines.join('\n');
}

export class IllegalTransitionError extends ChaoslabError {
  constructor(readonly attemptId: string, readonly from: AttemptState, readonly to: Phase | 'ended') {
    super('CHAOSLAB_ILLEGAL_TRANSITION', `${attemptId}: the attempt cannot go from ${from} to ${to} (allowed: ${ATTEMPT_TRANSITIONS[from].map((t) => t.to).join(', ') || 'none'})`);
  }
}

/** A lab failure, or the host that could not take the fault: it decides the attempt instead of the healer. */
export type LabVerdict = Extract<Verdict, { kind: 'inconclusive' }> | { readonly kind: 'skipped'; readonly reason: 'not_applicable'; readonly detail: string };

/**
 * When several lab failures happen to one attempt, the one ranked highest
 * decides it; on a tie the first one stays. Transport loss outranks the rest:
 * the host may still carry the fault and its journal entry stays, whatever went
 * wrong before (an observer, a probe, Ctrl-C). Refused credentials outrank a
 * lost transport: the drop that comes first is explained by the login that fails
 * when reconnecting, and the fix (the key, the password) is different.
 */
export const LAB_FAILURE_RANK: { readonly [R in LabVerdict['reason']]: number } = {
  credentials_refused: 3,
  transport_lost: 2,
  unreachable: 1,
  clock_skew: 1,
  baseline_dirty: 1,
  not_applicable: 1,
  injection_not_applied: 1,
  probe_error: 1,
  revert_failed: 1,
  observer_unavailable: 1,
  observer_misconfigured: 1,
  host_quarantined: 1,
  interrupted: 1,
  lab_error: 1,
};

/** What a failed transport means in a phase: before injection a lost host was never reachable; a refused login keeps its own reason. */
export function hostFailureReason(error: unknown, during: Phase): 'unreachable' | 'transport_lost' | 'credentials_refused' {
  const reason = transportFailureReason(error);
  return reason === 'transport_lost' && during === 'preflight' ? 'unreachable' : reason;
}

/** Whether `next` replaces `current` as the attempt's lab verdict. */
export function outranks(next: LabVerdict, current: LabVerdict | undefined): boolean {
  return current === undefined || LAB_FAILURE_RANK[next.reason] > LAB_FAILURE_RANK[current.reason];
}

export interface AttemptMachineOptions {
  readonly attemptId: string;
  readonly sink: EventSink;
  readonly logger: Logger;
}

/**
 * One attempt's phase and lab verdict. Every phase change goes through
 * `transition` (checked against ATTEMPT_TRANSITIONS, emitted as phase events),
 * every lab failure through `fail` (ranked by LAB_FAILURE_RANK).
 */
export class AttemptMachine {
  private current: AttemptState = 'planned';
  private spanOpen = false;
  private lab: LabVerdict | undefined;
  private judged: Judgement | undefined;

  constructor(private readonly options: AttemptMachineOptions) {}

  get attemptId(): string {
    return this.options.attemptId;
  }

  get state(): AttemptState {
    return this.current;
  }

  /** The phase whose span is open: undefined between the end of one phase and the start of the next. */
  get openPhase(): Phase | undefined {
    return this.spanOpen ? (this.current as Phase) : undefined;
  }

  /** Set when the lab (not the healer) decided the attempt, or the host could not take the fault. */
  get labVerdict(): LabVerdict | undefined {
    return this.lab;
  }

  get decided(): boolean {
    return this.lab !== undefined;
  }

  get judgement(): Judgement | undefined {
    return this.judged;
  }

  transition(to: Phase | 'ended'): void {
    if (!canTransition(this.current, to)) throw new IllegalTransitionError(this.attemptId, this.current, to);
    this.endPhase(true);
    this.current = to;
    if (to === 'ended') return;
    this.spanOpen = true;
    this.options.logger.info({ attemptId: this.attemptId, phase: to }, 'phase started');
    this.options.sink.emit({ type: 'phase', attemptId: this.attemptId, phase: to, status: 'start' });
  }

  /** Closes the open phase's span (the attempt stays in that phase until its next transition). */
  endPhase(ok: boolean, detail?: string): void {
    const phase = this.openPhase;
    if (!phase) return;
    this.options.logger.info({ attemptId: this.attemptId, phase, ok, detail }, 'phase ended');
    this.options.sink.emit({ type: 'phase', attemptId: this.attemptId, phase, status: 'end', ok, ...(detail !== undefined && { detail }) });
    this.spanOpen = false;
  }

  fail(reason: InconclusiveReason, detail: string): void {
    if (this.decide({ kind: 'inconclusive', reason, detail })) this.options.logger.warn({ attemptId: this.attemptId, reason, detail }, 'attempt inconclusive');
  }

  /** The fault's preflight says this host cannot take the drift: nothing is injected, nobody is blamed. */
  skipNotApplicable(detail: string): void {
    if (this.decide({ kind: 'skipped', reason: 'not_applicable', detail })) this.options.logger.warn({ attemptId: this.attemptId, detail }, 'fault not applicable on this host');
  }

  /** A thrown error ends the attempt as a lab failure: refused credentials, the host unreachable (preflight) or lost, or a generic lab error. */
  failWith(error: unknown, during: Phase): void {
    if (!isTransportError(error)) return this.fail('lab_error', `${during}: ${errorMessage(error)}`);
    this.fail(hostFailureReason(error, during), `${during}: ${error.message}`);
  }

  /** Adds what happened after the deciding failure (e.g. a revert that could not run) to the verdict's detail. */
  addDetail(text: string): void {
    if (this.lab) this.lab = { ...this.lab, detail: `${this.lab.detail}; ${text}` };
  }

  /** Ends this attempt the way another member of its bundle was ended before injection. */
  decideLike(other: AttemptMachine): void {
    const verdict = other.labVerdict;
    if (!verdict) return;
    const detail = `bundle member ${other.attemptId} is not ready: ${verdict.detail}`;
    if (verdict.kind === 'skipped') this.skipNotApplicable(detail);
    else this.fail(verdict.reason, detail);
  }

  /** The latest judgement of the observation (engine/verdict.ts). */
  judge(judgement: Judgement): void {
    this.judged = judgement;
  }

  /** A lab verdict outranks the healer's judgement; an attempt with neither is a lab error. */
  verdict(): Verdict {
    return this.lab ?? this.judged?.verdict ?? { kind: 'inconclusive', reason: 'lab_error', detail: 'the attempt ended without a verdict' };
  }

  private decide(verdict: LabVerdict): boolean {
    if (!outranks(verdict, this.lab)) return false;
    this.lab = verdict;
    return true;
  }
}

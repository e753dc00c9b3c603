import { errorMessage, isTransportError } from '../core/errors.js';
import type { JournalEntry } from '../journal/journal.js';
import type { CommandStep, Phase } from '../model/run-model.js';
import type { InconclusiveReason, Verdict } from '../model/verdict.js';
import type { Observer, ObserverOutput } from '../observers/observer.js';
import type { ExecResult, Transport } from '../transport/transport.js';
import type { AttemptMember, EngineContext } from './context.js';
import { execRecorded, recordCommand, transportFailureReason } from './host-exec.js';
import type { Judgement } from './verdict.js';

/**
 * How much a lab reason explains: a later failure replaces an earlier one that
 * explains less (a lost transport explains the probe error before it, a refused
 * login explains the lost transport). Every other reason keeps the first.
 */
function explains(reason: string): number {
  return reason === 'credentials_refused' ? 2 : reason === 'transport_lost' ? 1 : 0;
}

/**
 * The mutable bookkeeping of one attempt inside an injection: its open phase,
 * journal entry, the lab failure that decided it (if any) and the judgement of
 * its observation. Every fact it learns is emitted as an event right away.
 */
export class MemberState {
  /**
   * Set when the lab (not the healer) decided the attempt, or the host could not
   * take the fault. The first reason wins, unless a later one explains it (see explains()).
   */
  labVerdict: Extract<Verdict, { kind: 'inconclusive' | 'skipped' }> | undefined;
  judgement: Judgement | undefined;
  entry: JournalEntry | undefined;
  injectStarted = false;
  injectExit: number | null | undefined;
  /** Observer outputs waiting to be correlated (they may arrive before t0 is known). */
  readonly inbox: ObserverOutput[] = [];
  readonly unavailableObservers = new Set<string>();
  /** What each observer's `prepare` returned in time, handed to its watch as `start`. */
  readonly observerStarts = new Map<Observer, unknown>();
  private openPhase: Phase | undefined;

  constructor(readonly member: AttemptMember, private readonly ctx: EngineContext, private readonly transport: Transport) {}

  get attemptId(): string {
    return this.member.attemptId;
  }

  get decided(): boolean {
    return this.labVerdict !== undefined;
  }

  fail(reason: InconclusiveReason, detail: string): void {
    if (!this.labVerdict || explains(reason) > explains(this.labVerdict.reason)) {
      this.labVerdict = { kind: 'inconclusive', reason, detail };
      this.ctx.logger.warn({ attemptId: this.attemptId, reason, detail }, 'attempt inconclusive');
    }
  }

  /** The fault's preflight says this host cannot take the drift: nothing is injected, nobody is blamed. */
  skipNotApplicable(detail: string): void {
    if (this.labVerdict) return;
    this.labVerdict = { kind: 'skipped', reason: 'not_applicable', detail };
    this.ctx.logger.warn({ attemptId: this.attemptId, detail }, 'fault not applicable on this host');
  }

  /** Ends this member the way another member of its bundle was ended before injection. */
  decideLike(other: MemberState): void {
    const verdict = other.labVerdict!;
    const detail = `bundle member ${other.attemptId} is not ready: ${verdict.detail}`;
    if (verdict.kind === 'skipped') this.skipNotApplicable(detail);
    else this.fail(verdict.reason, detail);
  }

  /** A thrown error ends the attempt as a lab failure: refused credentials, transport loss, or a generic lab error. */
  failWith(error: unknown, during: Phase): void {
    if (!isTransportError(error)) return this.fail('lab_error', `${during}: ${errorMessage(error)}`);
    const reason = transportFailureReason(error);
    this.fail(reason === 'transport_lost' && during === 'preflight' ? 'unreachable' : reason, `${during}: ${error.message}`);
  }

  /** Adds what happened after the deciding failure (e.g. a revert that could not run) to the verdict's detail. */
  addDetail(text: string): void {
    if (this.labVerdict) this.labVerdict = { ...this.labVerdict, detail: `${this.labVerdict.detail}; ${text}` };
  }

  startPhase(phase: Phase): void {
    if (this.openPhase) this.endPhase(true);
    this.openPhase = phase;
    this.ctx.logger.info({ attemptId: this.attemptId, phase }, 'phase started');
    this.ctx.sink.emit({ type: 'phase', attemptId: this.attemptId, phase, status: 'start' });
  }

  endPhase(ok: boolean, detail?: string): void {
    if (!this.openPhase) return;
    this.ctx.logger.info({ attemptId: this.attemptId, phase: this.openPhase, ok, detail }, 'phase ended');
    this.ctx.sink.emit({ type: 'phase', attemptId: this.attemptId, phase: this.openPhase, status: 'end', ok, ...(detail !== undefined && { detail }) });
    this.openPhase = undefined;
  }

  get phase(): Phase | undefined {
    return this.openPhase;
  }

  /** Runs a command on the host and records it as evidence. Transport errors are recorded, then rethrown. */
  exec(step: CommandStep, command: string, options: { signal?: AbortSignal; record?: boolean } = {}): Promise<ExecResult> {
    return execRecorded(this.transport, this.ctx, step, command, { timeoutMs: this.member.scenario.timeout, attemptId: this.attemptId, ...options });
  }

  record(step: CommandStep, command: string, at: number, result: ExecResult): void {
    recordCommand(this.transport, this.ctx, { step, command, at, result, attemptId: this.attemptId });
  }
}

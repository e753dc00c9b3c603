import type { HostConfig } from '../config/lab-schema.js';
import { errorMessage } from '../core/errors.js';
import { excerpt } from '../core/redact.js';
import { waitFor } from '../core/wait.js';
import type { JournalEntry } from '../journal/journal.js';
import type { Observer } from '../observers/observer.js';
import type { Transport } from '../transport/transport.js';
import { AttemptMachine } from './attempt-machine.js';
import { checkUntilItTells } from '../transport/check-outcome.js';
import type { AttemptMember, EngineContext } from './context.js';
import { HostExec } from './host-exec.js';
import { MemberObservation, type InjectionTimes } from './observe.js';
import type { ProbeSample } from './verdict.js';

export interface MemberOptions {
  readonly member: AttemptMember;
  readonly host: HostConfig;
  readonly transport: Transport;
  readonly ctx: EngineContext;
}

/**
 * One attempt inside an injection (a single attempt, or one member of a
 * bundle): its machine (phase and lab verdict), its commands on the host, its
 * observation and its journal entry. Only its own methods change them; every
 * fact it learns is emitted as an event right away.
 */
export class Member {
  readonly machine: AttemptMachine;
  readonly observation: MemberObservation;
  private readonly exec: HostExec;
  private entry: JournalEntry | undefined;
  private injectStarted = false;
  private injectExit: number | null | undefined;

  constructor(private readonly options: MemberOptions) {
    const { member, host, transport, ctx } = options;
    this.machine = new AttemptMachine({ attemptId: member.attemptId, sink: ctx.sink, logger: ctx.logger });
    this.exec = new HostExec({ transport, recorder: ctx, timeoutMs: member.scenario.timeout, attemptId: member.attemptId });
    this.observation = new MemberObservation({ member, machine: this.machine, exec: this.exec, host, ctx });
  }

  get attemptId(): string {
    return this.options.member.attemptId;
  }

  get member(): AttemptMember {
    return this.options.member;
  }

  get decided(): boolean {
    return this.machine.decided;
  }

  /** What an observer's `prepare` returned before the injection: its watch starts there. */
  keepObserverStart(observer: Observer, start: unknown): void {
    this.observation.keepStart(observer, start);
  }

  /** The fault's own preflight (can this host take it?), then the baseline check; both retried on probe errors. */
  async applicableAndAtBaseline(): Promise<void> {
    const { applicable, check } = this.member.commands;
    const { clock } = this.options.ctx;
    if (applicable !== undefined) {
      let said = '';
      const outcome = await checkUntilItTells(applicable, async (armed) => {
        const result = await this.exec.run('preflight', armed.script);
        said = (result.stdout || result.stderr).trim();
        return result;
      }, clock);
      if (outcome.kind === 'probe_error') return this.machine.fail('probe_error', `preflight could not tell whether the fault applies: ${outcome.detail}`);
      // The marker carries the reason; a preflight without markers printed it.
      if (outcome.kind === 'drifted') return this.machine.skipNotApplicable(`not applicable here: ${outcome.detail ?? (excerpt(said, 300) || 'the fault\'s preflight refused this host')}`);
    }
    const outcome = await checkUntilItTells(check, (armed) => this.exec.run('preflight', armed.script), clock);
    if (outcome.kind === 'probe_error') this.machine.fail('probe_error', `the baseline check could not tell before injection: ${outcome.detail}`);
    else if (outcome.kind === 'drifted') this.machine.fail('baseline_dirty', 'the baseline check fails before injection (exit 1: drifted)');
  }

  /** Takes the snapshot and writes the revert to the journal (fsynced). Throws when either fails. */
  async snapshotAndJournal(): Promise<void> {
    const { member, host, transport, ctx } = this.options;
    this.machine.transition('snapshot');
    const command = member.commands.snapshot;
    let snapshot = '';
    if (command !== undefined) {
      const result = await this.exec.run('snapshot', command);
      if (result.exitCode !== 0) throw new Error(`snapshot exited ${result.exitCode}: ${excerpt((result.stderr || result.stdout).trim(), 300)}`);
      snapshot = result.stdout.trim();
    }
    this.entry = await ctx.journal.record({
      runId: ctx.runId,
      attemptId: this.attemptId,
      host: host.name,
      labFile: ctx.labFile,
      hostIdentity: ctx.hostIdentity(host.name),
      shell: transport.shell,
      revert: [member.commands.revert(snapshot)],
      check: member.commands.check,
      timeoutMs: member.scenario.timeout,
    });
    this.machine.endPhase(true);
  }

  async inject(): Promise<void> {
    this.machine.transition('inject');
    this.injectStarted = true;
    const result = await this.exec.run('inject', this.member.commands.inject);
    this.injectExit = result.exitCode;
    this.machine.endPhase(result.exitCode === 0, result.exitCode === 0 ? undefined : `inject exited ${result.exitCode}`);
  }

  /**
   * The check must see the drift, or the stack must have reported it: a healer
   * may undo it before chaoslab's first check. The first ground-truth sample,
   * or undefined when the attempt ended here.
   */
  async confirmDrift(times: InjectionTimes, interrupt: AbortSignal): Promise<ProbeSample | undefined> {
    const { ctx } = this.options;
    this.machine.transition('confirm_drift');
    const startedAt = ctx.clock.now() - times.t0Mono;
    const outcome = await checkUntilItTells(this.member.commands.check, (armed) => this.exec.run('check', armed.script), ctx.clock, interrupt);
    if (outcome.kind === 'probe_error') {
      this.machine.fail('probe_error', `confirm_drift: ${outcome.detail}`);
      this.machine.endPhase(false, outcome.detail);
      return undefined;
    }
    const compliant = outcome.kind === 'compliant';
    const confirmedBy = compliant ? await this.stackEvidence(times) : undefined;
    if (compliant && !confirmedBy) {
      this.machine.fail('injection_not_applied', `the check still passes after the injection (inject exited ${this.injectExit})`);
      this.machine.endPhase(false, 'check still passes');
      return undefined;
    }
    const sample = { startedAt, at: ctx.clock.now() - times.t0Mono, compliant };
    ctx.sink.emit({ type: 'probe', attemptId: this.attemptId, at: Math.round(sample.at), compliant });
    this.machine.endPhase(true, confirmedBy && `already restored; the drift was confirmed by the stack: ${confirmedBy}`);
    return sample;
  }

  /**
   * The injection still took if the stack reported this drift after it
   * started; its event may trail the check by the observer's lag, so it gets up
   * to one probe interval (at least a second) to arrive.
   */
  private async stackEvidence(times: InjectionTimes): Promise<string | undefined> {
    const { ctx } = this.options;
    if (!ctx.observers.length) return undefined;
    try {
      return await waitFor(async () => this.observation.stackReportedDrift(times), {
        clock: ctx.clock,
        timeoutMs: Math.max(1000, this.member.scenario.probe_interval),
        intervalMs: 50,
        description: 'the stack to report the drift',
      });
    } catch {
      return undefined;
    }
  }

  /**
   * Undoes the fault and checks the baseline; the journal entry is removed
   * only when the check passes. A member never injected is only un-journalled.
   */
  async revert(): Promise<void> {
    const entry = this.entry;
    if (!entry) return;
    if (!this.injectStarted) return this.forget(entry);
    this.machine.transition('revert');
    let reverted = true;
    try {
      for (const command of entry.revert) {
        const result = await this.exec.run('revert', command);
        if (result.exitCode !== 0) reverted = false;
      }
      this.machine.endPhase(reverted, reverted ? undefined : 'revert command failed');
    } catch (error) {
      // The host cannot be reached: checking it would only wait for another timeout. The entry stays.
      const before = this.machine.labVerdict;
      this.machine.failWith(error, 'revert');
      if (this.machine.labVerdict === before) this.machine.addDetail(`the revert could not run: ${errorMessage(error)}`);
      this.machine.addDetail(`journal entry ${entry.id} kept for \`chaoslab revert --pending\``);
      this.machine.endPhase(false, errorMessage(error));
      return;
    }
    this.machine.transition('verify_baseline');
    try {
      const outcome = await checkUntilItTells(entry.check, (armed) => this.exec.run('check', armed.script), this.options.ctx.clock);
      if (outcome.kind === 'compliant') {
        await this.forget(entry);
        this.machine.endPhase(true);
        return;
      }
      // Either way the revert is not proven: the entry stays for `chaoslab revert --pending`.
      if (outcome.kind === 'probe_error') this.machine.fail('probe_error', `verify_baseline: ${outcome.detail}; journal entry ${entry.id} kept`);
      else this.machine.fail('revert_failed', `host not at baseline after the revert (check exited 1: drifted); journal entry ${entry.id} kept`);
      this.machine.endPhase(false, outcome.kind === 'probe_error' ? outcome.detail : 'check exited 1');
    } catch (error) {
      this.machine.failWith(error, 'verify_baseline');
      this.machine.addDetail(`journal entry ${entry.id} kept for \`chaoslab revert --pending\``);
      this.machine.endPhase(false, errorMessage(error));
    }
  }

  /** Removes the journal entry; if that fails the entry is replayed later, which re-applies a harmless revert. */
  private async forget(entry: JournalEntry): Promise<void> {
    const { ctx } = this.options;
    try {
      await ctx.journal.remove(entry.id);
    } catch (error) {
      ctx.sink.emit({ type: 'note', level: 'warn', message: `${this.attemptId}: ${errorMessage(error)}; a later replay will revert it again` });
    }
  }
}

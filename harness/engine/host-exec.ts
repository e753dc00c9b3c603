import { errorMessage, isTransportError } from '../core/errors.js';
import { excerpt } from '../core/redact.js';
import type { EventSink } from '../events/sink.js';
import type { CommandStep } from '../model/run-model.js';
import type { InconclusiveReason } from '../model/verdict.js';
import type { ExecResult, Transport } from '../transport/transport.js';

/**
 * How chaoslab runs a command on a lab host: every command it sends is
 * recorded as a `command` event (evidence), including the ones whose transport
 * failed. Attempts and the residue scan both go through here.
 */
export interface CommandRecorder {
  readonly sink: EventSink;
  /** ms since the run started (the `at` of command records). */
  readonly elapsed: () => number;
}

export interface RecordedExecOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** The attempt the command belongs to; absent for run-level commands (the residue scan). */
  readonly attemptId?: string;
  /** false: only a failed transport is recorded (probes record transitions themselves). */
  readonly record?: boolean;
}

/**
 * Steps that only read the host: a transport may re-run them after a reconnect
 * (a WinRM service restart mid-check). Inject, revert, hooks and healer
 * control change things and are never sent twice.
 */
const READ_ONLY_STEPS: ReadonlySet<CommandStep> = new Set(['check', 'probe', 'preflight', 'snapshot']);

/** Output kept per command record: enough evidence, never a flood. */
const MAX_OUTPUT = 4000;

/** Redacted before it is cut, so no piece of a secret survives the cut. */
function clip(text: string): string {
  return excerpt(text, MAX_OUTPUT, (omitted) => `… [${omitted} more characters]`);
}

/** Runs a command and records it. Transport errors are recorded, then rethrown. */
export async function execRecorded(transport: Transport, recorder: CommandRecorder, step: CommandStep, command: string, options: RecordedExecOptions): Promise<ExecResult> {
  const at = recorder.elapsed();
  try {
    const result = await transport.exec(command, { timeoutMs: options.timeoutMs, ...(options.signal && { signal: options.signal }), readOnly: READ_ONLY_STEPS.has(step) });
    // recordCommand leaves out an absent attempt id
    if (options.record !== false) recordCommand(transport, recorder, { step, command, at, result, attemptId: options.attemptId });
    return result;
  } catch (error) {
    const lost = { stdout: '', stderr: '', exitCode: null, durationMs: recorder.elapsed() - at };
    recordCommand(transport, recorder, { step, command, at, result: lost, error: errorMessage(error), attemptId: options.attemptId });
    throw error;
  }
}

export function recordCommand(
  transport: Transport,
  recorder: CommandRecorder,
  command: { readonly step: CommandStep; readonly command: string; readonly at: number; readonly result: ExecResult; readonly error?: string; readonly attemptId?: string },
): void {
  const { result } = command;
  recorder.sink.emit({
    type: 'command',
    ...(command.attemptId !== undefined && { attemptId: command.attemptId }),
    step: command.step,
    host: transport.host,
    command: command.command,
    exitCode: result.exitCode,
    stdout: clip(result.stdout),
    stderr: clip(result.stderr),
    durationMs: Math.round(result.durationMs),
    at: command.at,
    ...(command.error !== undefined && { error: command.error }),
  });
}

export interface HostExecOptions {
  readonly transport: Transport;
  readonly recorder: CommandRecorder;
  /** Deadline of every command (the scenario's `timeout`). */
  readonly timeoutMs: number;
  readonly attemptId: string;
}

/** One attempt's way to run commands on its host: each one recorded as evidence under the attempt. */
export class HostExec {
  constructor(private readonly options: HostExecOptions) {}

  /** Transport errors are recorded, then rethrown. */
  run(step: CommandStep, command: string, options: { readonly signal?: AbortSignal; readonly record?: boolean } = {}): Promise<ExecResult> {
    const { transport, recorder, timeoutMs, attemptId } = this.options;
    return execRecorded(transport, recorder, step, command, { timeoutMs, attemptId, ...options });
  }

  record(step: CommandStep, command: string, at: number, result: ExecResult): void {
    recordCommand(this.options.transport, this.options.recorder, { step, command, at, result, attemptId: this.options.attemptId });
  }
}

export interface HostLoss {
  /** credentials_refused when the host answered but refused the credentials or host key, else transport_lost. */
  readonly reason: Extract<InconclusiveReason, 'transport_lost' | 'credentials_refused'>;
  readonly detail: string;
}

/** The management-plane probe run after every attempt: undefined when the host answers, else why it cannot be used. */
export async function hostLoss(transport: Transport): Promise<HostLoss | undefined> {
  try {
    await transport.probe({ timeoutMs: 10_000 });
    return undefined;
  } catch (error) {
    return { reason: transportFailureReason(error), detail: errorMessage(error) };
  }
}

/** hostLoss as one line: undefined when the host answers. */
export async function transportLost(transport: Transport): Promise<string | undefined> {
  return (await hostLoss(transport))?.detail;
}

/** A refused login says the credentials changed, not that the network failed: the two are reported apart. */
export function transportFailureReason(error: unknown): HostLoss['reason'] {
  return isTransportError(error) && error.code === 'TRANSPORT_AUTH' ? 'credentials_refused' : 'transport_lost';
}

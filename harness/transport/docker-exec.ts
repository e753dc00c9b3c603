import type { HostConfig, TransportConfig } from '../config/lab-schema.js';
import { TransportError, errorMessage, isTransportError } from '../core/errors.js';
import { connectEngine, containerRunning, execInContainer, type Engine, type ExecOutcome } from './container-engine.js';
import { LineSplitter } from './line-splitter.js';
import { commandTimedOut, type ExecOptions, type ExecResult, type StreamOptions, type Transport, type TransportContext } from './transport.js';

type DockerExecConfig = Extract<TransportConfig, { kind: 'docker-exec' }>;

/** Grace between the in-container `timeout` and our own deadline (the engine itself may hang). */
const DEADLINE_GRACE_MS = 5_000;

/**
 * Runs commands with the Engine API's exec (Docker or Podman) instead of SSH: no
 * keys, no published port. Commands run as `/bin/sh -c`; a timeout is enforced
 * inside the container by coreutils `timeout` (so the process really dies) and
 * outside by a deadline on the call.
 */
export class DockerExecTransport implements Transport {
  readonly host: string;
  readonly shell = 'posix' as const;
  private readonly settings: DockerExecConfig;
  private readonly closing = new AbortController();
  private engine: Engine | undefined;

  constructor(hostConfig: HostConfig, private readonly context: TransportContext, engine?: Engine) {
    if (hostConfig.transport.kind !== 'docker-exec') throw new TypeError(`host ${hostConfig.name} does not use the docker-exec transport`);
    this.settings = hostConfig.transport;
    this.host = hostConfig.name;
    this.engine = engine;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = this.context.clock.now();
    const argv = options.timeoutMs === undefined
      ? ['/bin/sh', '-c', command]
      : ['timeout', '-k', '2', `${Math.max(1, Math.ceil(options.timeoutMs / 1000))}s`, '/bin/sh', '-c', command];
    const deadline = new AbortController();
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => deadline.abort(this.timeoutError(options.timeoutMs!, command)), options.timeoutMs + DEADLINE_GRACE_MS);
    const signal = AbortSignal.any([deadline.signal, this.closing.signal, ...(options.signal ? [options.signal] : [])]);
    try {
      const outcome = await this.run(argv, signal);
      // coreutils `timeout` exits 124 when it had to stop the command.
      if (options.timeoutMs !== undefined && (outcome.exitCode === 124 || outcome.exitCode === 137)) throw this.timeoutError(options.timeoutMs, command);
      return { ...outcome, durationMs: Math.round(this.context.clock.now() - started) };
    } finally {
      clearTimeout(timer);
    }
  }

  async *stream(command: string, options: StreamOptions): AsyncGenerator<string> {
    const lines: string[] = [];
    let wake: (() => void) | undefined;
    const splitter = new LineSplitter(options.keepLineEndings);
    let finished = false;
    let failure: unknown;
    const signal = AbortSignal.any([options.signal, this.closing.signal]);
    const running = this.run(['/bin/sh', '-c', command], signal, (chunk) => {
      lines.push(...splitter.push(chunk));
      wake?.();
    }).then(
      () => undefined,
      (error: unknown) => {
        if (!signal.aborted) failure = error;
      },
    ).finally(() => {
      finished = true;
      wake?.();
    });
    try {
      for (;;) {
        while (lines.length) yield lines.shift()!;
        if (finished || signal.aborted) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      const rest = splitter.rest();
      if (rest && !signal.aborted) yield rest;
      if (failure) throw failure;
    } finally {
      await running;
    }
  }

  async probe(options: { timeoutMs?: number } = {}): Promise<void> {
    const result = await this.exec('true', { timeoutMs: options.timeoutMs ?? 5_000 });
    if (result.exitCode !== 0) throw new TransportError('TRANSPORT_PROTOCOL', this.host, `probe command exited with ${result.exitCode}: ${result.stderr.trim()}`);
  }

  async close(): Promise<void> {
    this.closing.abort(new TransportError('TRANSPORT_CLOSED', this.host, 'transport closed'));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async run(argv: readonly string[], signal: AbortSignal, onStdout?: (chunk: string) => void): Promise<ExecOutcome> {
    this.engine ??= connectEngine();
    try {
      return await execInContainer(this.engine, this.settings.container, argv, { user: this.settings.user, signal, onStdout });
    } catch (error) {
      if (signal.aborted && isTransportError(signal.reason)) throw signal.reason;
      if (signal.aborted) throw error;
      throw await this.classify(error);
    }
  }

  /** Container gone or stopped, engine down → unreachable; anything else is a protocol problem. */
  private async classify(error: unknown): Promise<TransportError> {
    const status = (error as { statusCode?: number }).statusCode;
    const running = this.engine ? await containerRunning(this.engine, this.settings.container) : false;
    if (status === 404 || status === 409 || !running) {
      return new TransportError('TRANSPORT_UNREACHABLE', this.host, `container ${this.settings.container} is not running (${errorMessage(error)})`, { cause: error });
    }
    return new TransportError('TRANSPORT_PROTOCOL', this.host, `exec in ${this.settings.container} failed: ${errorMessage(error)}`, { cause: error });
  }

  private timeoutError(timeoutMs: number, command: string): TransportError {
    return commandTimedOut(this.host, command, timeoutMs);
  }
}

export function createDockerExecTransport(host: HostConfig, context: TransportContext): Transport {
  return new DockerExecTransport(host, context);
}

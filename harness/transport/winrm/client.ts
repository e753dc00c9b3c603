import { systemClock, type Clock } from '../../core/clock.js';
import { excerpt } from '../../core/redact.js';
import { backoffDelay } from '../../core/wait.js';
import type { EndpointOptions, HttpReply } from './connection.js';
import { ConnectionPool } from './connection-pool.js';
import { faultError, isOperationTimeout, isRetryable, serviceReplyError, WinRmError } from './errors.js';
import { planPowerShell } from './powershell-command.js';
import { ACTION, commandBody, createShellBody, envelope, parseCommandId, parseFault, parseReceive, parseShellId, receiveBody, sendBody, signalBody, SoapParseError, type ReceiveChunk } from './soap.js';

export interface WinRmClientOptions extends EndpointOptions {
  /** WS-Man OperationTimeout: how long one Receive may wait for output. */
  readonly operationTimeoutMs: number;
  /** Fresh connection + shell retries after a transport error. */
  readonly maxRetries: number;
  /** Authenticated connections at once (one request in flight on each); 1 = every request waits its turn. */
  readonly maxConnections?: number;
  readonly clock?: Clock;
}

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
}

export interface RunOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Called with each piece of stdout as it arrives (streaming). */
  readonly onStdout?: (text: string) => void;
}

const HTTP_MARGIN_MS = 15_000;

/**
 * A WS-Management remote shell client (MS-WSMV 3.1.4: Create, Command,
 * Send, Receive, Signal, Delete). A pool of keep-alive connections
 * (`maxConnections`, one request in flight on each) and reusable shells; a
 * Receive that hits OperationTimeout is simply asked again; transport errors
 * open a fresh connection and shell, a bounded number of times. A command
 * whose Receive failed is terminated and its shell deleted, so failures do not
 * pile up shells against MaxShellsPerUser.
 */
export class WinRmClient {
  readonly pool: ConnectionPool;
  private idleShells: string[] = [];
  /** Shells a failed connection left behind: they still count against MaxShellsPerUser until deleted. */
  private strandedShells: string[] = [];
  private readonly deletions = new Set<Promise<void>>();
  private readonly clock: Clock;
  private closed = false;

  constructor(private readonly options: WinRmClientOptions) {
    this.clock = options.clock ?? systemClock;
    this.pool = new ConnectionPool(options, options.maxConnections ?? 1);
  }

  /** Runs a PowerShell script (chunked through a temp file when longer than cmd.exe allows). */
  async runPowerShell(script: string, options: RunOptions = {}): Promise<CommandOutput> {
    const plan = planPowerShell(script);
    if (plan.uploads.length === 0) return this.runCommand(plan.run, options);
    // Uploads and the run share the caller's timeout.
    const deadline = options.timeoutMs === undefined ? undefined : this.clock.now() + options.timeoutMs;
    const remaining = () => (deadline === undefined ? {} : { timeoutMs: Math.max(1, deadline - this.clock.now()) });
    try {
      for (const upload of plan.uploads) {
        const result = await this.runCommand(upload, { ...(options.signal && { signal: options.signal }), ...remaining() });
        if (result.exitCode !== 0) {
          throw new WinRmError('TRANSPORT_PROTOCOL', this.options.host, `uploading a long script to %TEMP% failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
        }
      }
    } catch (error) {
      // Leave no half-uploaded script behind (best effort: the host may be the problem).
      await this.runCommand(`del /q "%TEMP%\\${plan.stem}.hex"`, { timeoutMs: 10_000 }).catch(() => undefined);
      throw error;
    }
    return this.runCommand(plan.run, { ...options, ...remaining() });
  }

  /** Runs one cmd.exe command line to completion. */
  async runCommand(commandLine: string, options: RunOptions = {}): Promise<CommandOutput> {
    const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : this.clock.now() + options.timeoutMs;
    let started: { shellId: string; commandId: string } | undefined;
    for (let attempt = 0; !started; attempt += 1) {
      try {
        const shellId = this.idleShells.pop() ?? (await this.createShell(deadline, options.signal));
        try {
          started = { shellId, commandId: await this.startCommand(shellId, commandLine, deadline, options.signal) };
        } catch (error) {
          if (!isRetryable(error)) this.idleShells.push(shellId);
          else this.strandedShells.push(shellId);
          throw error;
        }
      } catch (error) {
        if (!isRetryable(error) || attempt >= this.options.maxRetries) throw error;
        // A vanished shell needs only a new shell; a network failure new connections too.
        if (!(error instanceof WinRmError && error.code === 'TRANSPORT_CLOSED')) this.replaceConnections();
        await this.clock.sleep(backoffDelay(attempt, 250, 5000), options.signal);
      }
    }
    let output: CommandOutput;
    try {
      output = await this.receiveAll(started.shellId, started.commandId, deadline, options);
    } catch (error) {
      // The caller gave up (a stream was stopped): end the remote command, keep the shell for close().
      if (options.signal?.aborted) {
        await this.signal(started.shellId, started.commandId).catch(() => undefined);
        this.idleShells.push(started.shellId);
      } else if (!(error instanceof WinRmError && error.code === 'TRANSPORT_TIMEOUT' && error.message.includes('(terminated)'))) {
        // Whatever broke the Receive, the command may still run and its shell still count: end both.
        this.discard(started.shellId, started.commandId);
      }
      throw error;
    }
    await this.signal(started.shellId, started.commandId).catch(() => undefined);
    this.idleShells.push(started.shellId);
    return output;
  }

  /** Deletes open shells (best effort) and closes the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.deleteShells([...this.idleShells.splice(0), ...this.strandedShells.splice(0)]);
    await Promise.all([...this.deletions]);
    this.pool.close();
  }

  /**
   * Once per failed connection, however many concurrent commands saw it fail.
   * A dropped connection does not end its shells on the server: they are
   * deleted over the new one (best effort: after a WinRM restart they are
   * already gone and the server says so), or repeated drops would exhaust
   * MaxShellsPerUser (30 by default) until the idle timeout.
   */
  private replaceConnections(): void {
    const stranded = [...this.idleShells.splice(0), ...this.strandedShells.splice(0)];
    this.pool.dropIdle();
    this.deleteShells(stranded);
  }

  /** Signal (terminate) then Delete, in the background: best effort, the shell may already be gone. */
  discard(shellId: string, commandId: string | undefined): void {
    const ending = (commandId === undefined ? Promise.resolve() : this.signal(shellId, commandId).catch(() => undefined)).then(() =>
      this.call(ACTION.delete, { shellId, timeoutMs: 5000 }).then(
        () => undefined,
        () => undefined,
      ),
    );
    this.deletions.add(ending);
    void ending.finally(() => this.deletions.delete(ending));
  }

  /** A new shell for a long-lived command (the caller deletes it with discard()). */
  async openShell(timeoutMs: number, signal?: AbortSignal): Promise<string> {
    return this.createShell(this.clock.now() + timeoutMs, signal);
  }

  /** Starts a command line without waiting for it; its stdin stays open for send(). */
  async startLongLived(shellId: string, commandLine: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    return this.startCommand(shellId, commandLine, this.clock.now() + timeoutMs, signal, 'FALSE');
  }

  /** WS-Man Send: bytes for the command's stdin. */
  async send(shellId: string, commandId: string, data: Buffer, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.call(ACTION.send, { shellId, body: sendBody(commandId, data), timeoutMs, signal });
  }

  /** One Receive: output so far, or an empty chunk when OperationTimeout (`waitMs`) passed without any. */
  async receiveOnce(shellId: string, commandId: string, waitMs: number, signal?: AbortSignal): Promise<ReceiveChunk> {
    const reply = await this.pool.post(this.message(ACTION.receive, { shellId, body: receiveBody(commandId), operationTimeoutMs: waitMs }), waitMs + HTTP_MARGIN_MS, signal);
    const fault = parseFault(reply.body);
    if (fault && isOperationTimeout(fault)) return { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), done: false, exitCode: null };
    if (fault || reply.status !== 200) throw fault ? faultError(this.options.host, 'Receive', fault) : this.httpError('Receive', reply);
    return this.parse(() => parseReceive(reply.body));
  }

  /** Fire and forget, so a command waits for no cleanup; close() waits for them. */
  private deleteShells(shellIds: readonly string[]): void {
    for (const shellId of shellIds) {
      const deletion = this.call(ACTION.delete, { shellId, timeoutMs: 5000 }).then(
        () => undefined,
        () => undefined,
      );
      this.deletions.add(deletion);
      void deletion.finally(() => this.deletions.delete(deletion));
    }
  }

  private async createShell(deadline: number, signal?: AbortSignal): Promise<string> {
    const reply = await this.call(ACTION.create, {
      body: createShellBody(),
      // The profile is loaded (as pywinrm does) so HKCU is the account's own hive.
      options: { WINRS_NOPROFILE: 'FALSE', WINRS_CODEPAGE: '65001' },
      timeoutMs: this.remaining(deadline, this.options.operationTimeoutMs + HTTP_MARGIN_MS),
      signal,
    });
    return this.parse(() => parseShellId(reply));
  }

  /** `consoleStdin` FALSE gives the command a plain pipe for stdin, which Send feeds. */
  private async startCommand(shellId: string, commandLine: string, deadline: number, signal?: AbortSignal, consoleStdin: 'TRUE' | 'FALSE' = 'TRUE'): Promise<string> {
    const reply = await this.call(ACTION.command, {
      shellId,
      body: commandBody(commandLine),
      options: { WINRS_CONSOLEMODE_STDIN: consoleStdin, WINRS_SKIP_CMD_SHELL: 'FALSE' },
      timeoutMs: this.remaining(deadline, this.options.operationTimeoutMs + HTTP_MARGIN_MS),
      signal,
    });
    return this.parse(() => parseCommandId(reply));
  }

  private async receiveAll(shellId: string, commandId: string, deadline: number, options: RunOptions): Promise<CommandOutput> {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const decoder = new TextDecoder('utf-8');
    let failures = 0;
    for (;;) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) return this.timedOut(shellId, commandId, options.timeoutMs!);
      const waitMs = Math.min(this.options.operationTimeoutMs, remaining);
      let reply: HttpReply;
      try {
        reply = await this.pool.post(this.message(ACTION.receive, { shellId, body: receiveBody(commandId), operationTimeoutMs: waitMs }), waitMs + HTTP_MARGIN_MS, options.signal);
      } catch (error) {
        if (error instanceof WinRmError && error.code === 'TRANSPORT_TIMEOUT' && deadline - this.clock.now() <= 0) return this.timedOut(shellId, commandId, options.timeoutMs!);
        // The command keeps running server-side: ask for its output again over a new socket.
        if (!isRetryable(error) || failures >= this.options.maxRetries) throw error;
        failures += 1;
        await this.clock.sleep(backoffDelay(failures, 250, 5000), options.signal);
        continue;
      }
      const fault = parseFault(reply.body);
      if (fault && isOperationTimeout(fault)) continue;
      if (fault || reply.status !== 200) throw fault ? faultError(this.options.host, 'Receive', fault) : this.httpError('Receive', reply);
      const chunk = this.parse(() => parseReceive(reply.body));
      stdout.push(chunk.stdout);
      stderr.push(chunk.stderr);
      if (chunk.stdout.length && options.onStdout) options.onStdout(decoder.decode(chunk.stdout, { stream: true }));
      if (chunk.done) {
        return { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), exitCode: chunk.exitCode };
      }
    }
  }

  private async timedOut(shellId: string, commandId: string, timeoutMs: number): Promise<never> {
    await this.signal(shellId, commandId).catch(() => undefined);
    this.idleShells.push(shellId);
    throw new WinRmError('TRANSPORT_TIMEOUT', this.options.host, `command did not finish within ${timeoutMs}ms (terminated)`);
  }

  private async signal(shellId: string, commandId: string): Promise<void> {
    await this.call(ACTION.signal, { shellId, body: signalBody(commandId), timeoutMs: 10_000 });
  }

  private remaining(deadline: number, cap: number): number {
    const left = deadline - this.clock.now();
    if (left <= 0) throw new WinRmError('TRANSPORT_TIMEOUT', this.options.host, 'command timeout reached before the command started');
    return Math.min(left, cap);
  }

  private message(action: string, parts: { shellId?: string; body?: string; options?: Record<string, string>; operationTimeoutMs?: number }): string {
    return envelope({
      to: this.options.url.toString(),
      action,
      operationTimeoutMs: parts.operationTimeoutMs ?? this.options.operationTimeoutMs,
      ...(parts.shellId !== undefined && { shellId: parts.shellId }),
      ...(parts.options !== undefined && { options: parts.options }),
      ...(parts.body !== undefined && { body: parts.body }),
    });
  }

  private async call(action: string, parts: { shellId?: string; body?: string; options?: Record<string, string>; timeoutMs: number; signal?: AbortSignal | undefined }): Promise<string> {
    const reply = await this.pool.post(this.message(action, parts), parts.timeoutMs, parts.signal);
    const fault = parseFault(reply.body);
    const name = action.slice(action.lastIndexOf('/') + 1);
    if (fault) throw faultError(this.options.host, name, fault);
    if (reply.status !== 200) throw this.httpError(name, reply);
    return reply.body;
  }

  private httpError(action: string, reply: HttpReply): WinRmError {
    return serviceReplyError(this.options.host, action, reply.status, excerpt(reply.body, 200));
  }

  private parse<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (error instanceof SoapParseError) throw new WinRmError('TRANSPORT_PROTOCOL', this.options.host, error.message);
      throw error;
    }
  }
}

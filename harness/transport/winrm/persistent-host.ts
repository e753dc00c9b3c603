import type { Clock } from '../../core/clock.js';
import type { CommandOutput, RunOptions, WinRmClient } from './client.js';
import { WinRmError } from './errors.js';
import { HOST_CLM_EXIT, HOST_LOOP, newNonce, readFrames, requestLine } from './host-protocol.js';
import { planPowerShell } from './powershell-command.js';

/** The host's powershell.exe and the Receive loop that collects its output. */
interface Session {
  readonly shellId: string;
  readonly commandId: string;
  stdout: string;
  stderr: string;
  /** Set once the host is gone (its command ended, or its Receive failed). */
  ended?: WinRmError;
  /** Scripts completed on it: a host that ends before the first never worked here. */
  completed: number;
  readonly wake: Set<() => void>;
}

/**
 * A script sent to a host that died before answering. `delivered`: the host
 * got the script (it may have run, in part), so only a read may be re-run.
 */
export class HostLostError extends WinRmError {
  constructor(host: string, message: string, readonly delivered: boolean, options?: { cause?: unknown }) {
    super('TRANSPORT_UNREACHABLE', host, message, true, options);
  }
}

/**
 * One long-lived PowerShell host on a Windows machine (docs/windows.md,
 * "Execution model"): started once over a WinRM shell, fed scripts over its
 * stdin (WS-Man Send) one at a time, its answers read by one Receive loop. A
 * probe or check then costs the machine a script in a warm runspace instead
 * of a new powershell.exe. A script that outlives its timeout, or a caller
 * that gives up, ends the host (Signal, Delete); the next script starts a new one.
 */
export class PersistentHost {
  private session: Promise<Session> | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  /** Why this machine cannot keep a host (ConstrainedLanguage…): its commands then run one process each. */
  unsupported: string | undefined;
  /** Hosts started, for the bench and tests. */
  starts = 0;

  constructor(
    private readonly client: WinRmClient,
    private readonly host: string,
    private readonly clock: Clock,
    private readonly operationTimeoutMs: number,
  ) {}

  /** Runs one script in the host, after the scripts queued before it. */
  run(script: string, options: RunOptions = {}): Promise<CommandOutput> {
    const mine = this.turn.then(() => this.runNow(script, options));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  async close(): Promise<void> {
    const session = await this.session?.catch(() => undefined);
    this.session = undefined;
    if (session) this.end(session, new WinRmError('TRANSPORT_CLOSED', this.host, 'the PowerShell host was closed'));
  }

  private async runNow(script: string, options: RunOptions): Promise<CommandOutput> {
    // A caller that gave up while queued sends nothing and costs the host nothing.
    options.signal?.throwIfAborted();
    const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : this.clock.now() + options.timeoutMs;
    const session = await this.current(deadline, options.signal);
    const nonce = newNonce();
    try {
      await this.client.send(session.shellId, session.commandId, requestLine(nonce, script), Math.min(30_000, Math.max(1, deadline - this.clock.now())), options.signal);
    } catch (error) {
      this.end(session, asWinRmError(this.host, error));
      throw new HostLostError(this.host, `the PowerShell host did not take the script: ${(error as Error).message}`, !neverArrived(error), { cause: error });
    }
    for (;;) {
      const framed = readFrames(nonce, session.stdout, session.stderr);
      if (framed) {
        session.completed += 1;
        session.stdout = after(session.stdout, `\n${nonce} end`);
        session.stderr = after(session.stderr, `\n${nonce} end`);
        return framed;
      }
      if (session.ended) throw new HostLostError(this.host, `the PowerShell host ended while running a script: ${session.ended.message}`, true, { cause: session.ended });
      if (options.signal?.aborted) {
        this.end(session, new WinRmError('TRANSPORT_CLOSED', this.host, 'the caller gave up'));
        throw options.signal.reason;
      }
      const left = deadline - this.clock.now();
      if (left <= 0) {
        this.end(session, new WinRmError('TRANSPORT_TIMEOUT', this.host, 'a script timed out'));
        throw new WinRmError('TRANSPORT_TIMEOUT', this.host, `command did not finish within ${options.timeoutMs}ms (terminated)`);
      }
      await this.waitForOutput(session, left, options.signal);
    }
  }

  private current(deadline: number, signal?: AbortSignal): Promise<Session> {
    const existing = this.session;
    if (existing) {
      return existing.then(
        (session) => (session.ended ? this.fresh(deadline, signal) : session),
        () => this.fresh(deadline, signal),
      );
    }
    return this.fresh(deadline, signal);
  }

  private fresh(deadline: number, signal?: AbortSignal): Promise<Session> {
    this.session = this.start(deadline, signal);
    return this.session;
  }

  private async start(deadline: number, signal?: AbortSignal): Promise<Session> {
    const timeoutMs = Math.max(1, Math.min(deadline - this.clock.now(), this.operationTimeoutMs + 15_000));
    const plan = planPowerShell(HOST_LOOP);
    // A loop longer than cmd.exe allows is uploaded first, like any long script.
    for (const upload of plan.uploads) {
      const result = await this.client.runCommand(upload, { timeoutMs, ...(signal && { signal }) });
      if (result.exitCode !== 0) throw new WinRmError('TRANSPORT_PROTOCOL', this.host, `uploading the PowerShell host failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
    }
    const shellId = await this.client.openShell(timeoutMs, signal);
    let commandId: string;
    try {
      commandId = await this.client.startLongLived(shellId, plan.run, timeoutMs, signal);
    } catch (error) {
      this.client.discard(shellId, undefined);
      throw error;
    }
    this.starts += 1;
    const session: Session = { shellId, commandId, stdout: '', stderr: '', completed: 0, wake: new Set() };
    void this.collect(session);
    return session;
  }

  /** The Receive loop: one Receive outstanding for as long as the host lives. */
  private async collect(session: Session): Promise<void> {
    const out = new TextDecoder('utf-8');
    const err = new TextDecoder('utf-8');
    while (!session.ended) {
      try {
        const chunk = await this.client.receiveOnce(session.shellId, session.commandId, this.operationTimeoutMs);
        session.stdout += out.decode(chunk.stdout, { stream: true });
        session.stderr += err.decode(chunk.stderr, { stream: true });
        if (chunk.done) this.ended(session, chunk.exitCode);
      } catch (error) {
        if (!session.ended) this.end(session, asWinRmError(this.host, error));
      }
      for (const wake of session.wake) wake();
    }
  }

  /** The host's own command ended: ConstrainedLanguage, or it was killed. */
  private ended(session: Session, exitCode: number | null): void {
    // A host chaoslab ended itself (timeout, Ctrl-C) says nothing about the machine.
    if (session.ended) return;
    const why = `the PowerShell host exited with ${exitCode ?? 'no exit code'}${session.stdout.trim() ? `: ${session.stdout.trim().slice(0, 200)}` : ''}`;
    // The loop exits HOST_CLM_EXIT under ConstrainedLanguage; its bootstrap may fail before that (exit 1) for the same reason.
    if (session.completed === 0) this.unsupported = exitCode === HOST_CLM_EXIT ? why : `${why} before running any script`;
    this.end(session, new WinRmError('TRANSPORT_CLOSED', this.host, why, true));
  }

  private end(session: Session, why: WinRmError): void {
    if (session.ended) return;
    session.ended = why;
    this.client.discard(session.shellId, session.commandId);
    for (const wake of session.wake) wake();
  }

  private async waitForOutput(session: Session, maxMs: number, signal?: AbortSignal): Promise<void> {
    const timer = new AbortController();
    const onAbort = () => timer.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    session.wake.add(wake);
    try {
      await Promise.race([woken, this.clock.sleep(maxMs, timer.signal).catch(() => undefined)]);
    } finally {
      session.wake.delete(wake);
      signal?.removeEventListener('abort', onAbort);
      timer.abort();
    }
  }
}

function after(text: string, marker: string): string {
  const at = text.indexOf(marker);
  if (at < 0) return text;
  const lineEnd = text.indexOf('\n', at + marker.length);
  return lineEnd < 0 ? '' : text.slice(lineEnd + 1);
}

/**
 * The Send provably did not reach the host: nothing listened, the listener
 * said it was not ready, or the shell was already gone. A reset or timeout
 * mid-request proves nothing (the host may have the line).
 */
function neverArrived(error: unknown): boolean {
  if (!(error instanceof WinRmError)) return false;
  if (error.code === 'TRANSPORT_CLOSED' || /service not ready/.test(error.message)) return true;
  return (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED';
}

function asWinRmError(host: string, error: unknown): WinRmError {
  return error instanceof WinRmError ? error : new WinRmError('TRANSPORT_UNREACHABLE', host, (error as Error).message ?? String(error), true, { cause: error });
}

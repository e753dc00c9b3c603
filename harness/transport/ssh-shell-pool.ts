import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import type { Clock } from '../core/clock.js';
import { TransportError } from '../core/errors.js';
import type { ChannelOutcome } from './ssh-channel.js';
import { killChannel } from './ssh-channel.js';
import { markedShellLine } from './ssh-posix-run.js';

/**
 * The persistent-shell fast path for POSIX hosts. Every `exec` channel makes
 * sshd fork a session and exec the login shell, which on slow-to-fork hosts
 * costs far more than the command itself. So commands are written, one at a
 * time, to the stdin of a long-lived `/bin/sh` on an exec channel. Each command
 * still runs in a fresh `/bin/sh -c` child (its own $$, cwd, variables and umask
 * never reach the next command; `exit` and syntax errors end only the child),
 * with stdin from /dev/null and the run marker in its environment (see
 * ssh-posix-run.ts, so the usual killer stops it). After it, the persistent
 * shell prints a per-command random token with `$?` to stdout and the token
 * to stderr, without a leading newline, so output is returned byte for byte.
 *
 * Limits: a shell reports a child killed by signal N as status 128+N, so
 * statuses 129..192 are reported as a signal death (exitCode null), as the exec
 * path reports them; an explicit `exit 130` reads the same. Output written by a
 * background process after its command returned can show up in a later
 * command's output on the same shell.
 */
const SIGNAL_STATUSES = { first: 129, last: 128 + 64 };

/**
 * Collects one stream's bytes until a token appears, searching only the newly
 * arrived bytes (plus a token-length tail), so a large output is copied once.
 */
class UntilToken {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private tail = Buffer.alloc(0);

  constructor(private readonly token: Buffer) {}

  /** The bytes before the token and those after it, once it has arrived. */
  push(chunk: Buffer): { before: Buffer; after: Buffer } | undefined {
    const window = Buffer.concat([this.tail, chunk]);
    const at = window.indexOf(this.token);
    if (at >= 0) {
      const all = Buffer.concat([...this.chunks, chunk]);
      const start = this.length - this.tail.length + at;
      return { before: all.subarray(0, start), after: all.subarray(start + this.token.length) };
    }
    this.chunks.push(chunk);
    this.length += chunk.length;
    this.tail = window.subarray(Math.max(0, window.length - this.token.length + 1));
    return undefined;
  }
}

interface Pending {
  readonly stdout: UntilToken;
  readonly stderr: UntilToken;
  /** Output before the token, and what came after it (the status line) while it is incomplete. */
  stdoutDone?: { output: Buffer; status: Buffer };
  exitCode?: number | null;
  stderrDone?: Buffer;
  resolve(outcome: ChannelOutcome): void;
  reject(error: Error): void;
}

export class PersistentShell {
  private pending: Pending | undefined;
  private idleWaiters: (() => void)[] = [];
  private dead = false;
  private readonly onConnectionLost = () => this.die();

  constructor(
    private readonly client: Client,
    private readonly channel: ClientChannel,
    private readonly host: string,
  ) {
    channel.on('data', (chunk: Buffer) => this.onStdout(chunk));
    channel.stderr.on('data', (chunk: Buffer) => this.onStderr(chunk));
    channel.on('close', () => this.die());
    // A write racing the channel's end reports an error: the shell is gone, as on close.
    channel.on('error', () => this.die());
    client.once('close', this.onConnectionLost);
  }

  get usable(): boolean {
    return !this.dead;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Runs one command; rejects with TRANSPORT_CLOSED if the shell or its connection dies first. */
  run(command: string, runId: string): Promise<ChannelOutcome> {
    if (this.dead) return Promise.reject(shellLost(this.host));
    if (this.pending) return Promise.reject(new Error('a persistent shell runs one command at a time'));
    const token = `chaoslab-end-${randomBytes(12).toString('hex')}:`;
    return new Promise((resolve, reject) => {
      this.pending = { stdout: new UntilToken(Buffer.from(token)), stderr: new UntilToken(Buffer.from(token)), resolve, reject };
      this.channel.write(markedShellLine(command, runId, token));
    });
  }

  /** Resolves once the current command has ended (or the shell died), or after `graceMs`. */
  async settled(clock: Clock, graceMs: number): Promise<void> {
    if (!this.pending || this.dead) return;
    const timer = new AbortController();
    await Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      clock.sleep(graceMs, timer.signal).catch(() => undefined),
    ]);
    timer.abort();
  }

  discard(): void {
    killChannel(this.channel);
    this.die();
  }

  private onStdout(chunk: Buffer): void {
    const pending = this.pending;
    if (!pending || pending.exitCode !== undefined) return;
    if (pending.stdoutDone) {
      pending.stdoutDone.status = Buffer.concat([pending.stdoutDone.status, chunk]);
    } else {
      const found = pending.stdout.push(chunk);
      if (!found) return;
      pending.stdoutDone = { output: found.before, status: found.after };
    }
    const lineEnd = pending.stdoutDone.status.indexOf(0x0a);
    if (lineEnd < 0) return;
    const status = Number(pending.stdoutDone.status.subarray(0, lineEnd).toString('latin1'));
    pending.exitCode = status >= SIGNAL_STATUSES.first && status <= SIGNAL_STATUSES.last ? null : status;
    this.finishIfComplete();
  }

  private onStderr(chunk: Buffer): void {
    const pending = this.pending;
    if (!pending || pending.stderrDone) return;
    const found = pending.stderr.push(chunk);
    if (!found) return;
    pending.stderrDone = found.before;
    this.finishIfComplete();
  }

  private finishIfComplete(): void {
    const pending = this.pending;
    if (!pending || pending.exitCode === undefined || !pending.stdoutDone || !pending.stderrDone) return;
    this.pending = undefined;
    pending.resolve({ stdout: pending.stdoutDone.output.toString('utf8'), stderr: pending.stderrDone.toString('utf8'), exitCode: pending.exitCode });
    this.wakeIdleWaiters();
  }

  private die(): void {
    if (this.dead) return;
    this.dead = true;
    this.client.removeListener('close', this.onConnectionLost);
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(shellLost(this.host));
    this.wakeIdleWaiters();
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Idle shells of one transport. The transport's channel slots bound how many
 * commands run at once; a new shell opens only when no idle one is left, so the
 * number of shells never exceeds the channel limit.
 */
export class ShellPool {
  private readonly idle: PersistentShell[] = [];

  constructor(private readonly open: (signal: AbortSignal) => Promise<PersistentShell>) {}

  async take(signal: AbortSignal): Promise<PersistentShell> {
    for (let shell = this.idle.pop(); shell; shell = this.idle.pop()) {
      if (shell.usable) return shell;
    }
    return this.open(signal);
  }

  /**
   * Returns a shell after its command: one whose command was abandoned gets a
   * short grace to finish (the killer has just run); a shell still busy after it is closed.
   */
  async giveBack(shell: PersistentShell, clock: Clock, graceMs: number): Promise<void> {
    if (shell.busy) await shell.settled(clock, graceMs);
    if (shell.busy) shell.discard();
    if (shell.usable) this.idle.push(shell);
  }

  /** Closes idle shells until at most `keep` remain, freeing server sessions for other channels. */
  shrinkTo(keep: number): void {
    while (this.idle.length > Math.max(0, keep)) this.idle.pop()!.discard();
  }
}

function shellLost(host: string): TransportError {
  return new TransportError('TRANSPORT_CLOSED', host, 'connection lost while the command was running');
}

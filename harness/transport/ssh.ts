import { setMaxListeners } from 'node:events';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Client, ClientChannel } from 'ssh2';
import { addressOf, type HostConfig, type TransportConfig } from '../config/lab-schema.js';
import { TransportError, isTransportError } from '../core/errors.js';
import { backoffDelay } from '../core/wait.js';
import { UTF8_PRELUDE } from '../quoting/powershell.js';
import { powershellInvocation, type ShellKind } from '../quoting/shell.js';
import { decodeClixml } from './clixml.js';
import { channelLines, collectChannel, killChannel, openExecChannel } from './ssh-channel.js';
import { openSshConnection, type SshEndpoint } from './ssh-connect.js';
import { knownHostsName, parseKnownHosts, pinnedKeysFor } from './ssh-known-hosts.js';
import { ChannelSlots, abortable, operationSignal } from './ssh-operation.js';
import { killMarkedCommand, markedPosixCommand, newRunId } from './ssh-posix-run.js';
import { runPowerShellPlan, WINDOWS_COMMAND_LINE_LIMIT } from './ssh-powershell.js';
import { PersistentShell, ShellPool } from './ssh-shell-pool.js';
import { planPowerShell } from './winrm/powershell-command.js';
import { commandTimedOut, type ExecOptions, type ExecResult, type StreamOptions, type Transport, type TransportContext } from './transport.js';

const KILL_TIMEOUT_MS = 10_000;
/** How long a persistent shell may take to report a killed command before it is closed instead of reused. */
const SHELL_GRACE_MS = 2_000;
/** Times a refused channel is asked for again (after 0.1, 0.2, 0.4, 0.8 s) before the refusal is the command's error. */
const CHANNEL_REFUSAL_RETRIES = 4;
/**
 * SSH handshakes this process runs at once, across every host. Starting a run
 * on a hundred hosts opens their connections together; each costs the host a
 * fork and re-exec of sshd, and on a loaded machine a hundred at once took
 * longer than connect_timeout. Queued handshakes wait here, before their
 * timeout starts.
 */
const handshakes = new ChannelSlots(16);

export type SshTransportConfig = Extract<TransportConfig, { kind: 'ssh' }>;

export interface SshTransportOptions {
  /**
   * Channels open at once on the connection; further commands queue. Default 8: below
   * OpenSSH's MaxSessions (10), which frees a session a moment after its channel closes.
   */
  maxChannels?: number;
  /** Connection attempts per (re)connect while the host is unreachable. Default 3. */
  connectAttempts?: number;
  /** Base and ceiling of the reconnect backoff. Defaults 250 ms and 4 s. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /**
   * Long-lived streams (log tails) run on a second connection of their own, so
   * they never hold the channel slots that commands queue for. Default true.
   */
  separateStreamConnection?: boolean;
  /**
   * How POSIX commands reach the host: 'shell' (default) writes them to a pool
   * of long-lived shells (see ssh-shell-pool.ts: no session fork per command);
   * 'exec' opens one exec channel per command. PowerShell hosts always use 'exec'.
   */
  commandMode?: 'exec' | 'shell';
}

/**
 * The ssh2 transport: one pooled connection per host, opened lazily and
 * re-opened with backoff when it drops between commands. On POSIX hosts
 * commands go by default to a pool of persistent shells on that connection
 * (ssh-shell-pool.ts: opening a channel per command costs a session fork and a
 * login-shell exec on the host, which dominates short commands), each run by a
 * fresh `/bin/sh -c`. With `commandMode: 'exec'` every command gets its own
 * `exec` channel, interpreted by the login shell, or by `/bin/sh -c` when it has
 * a timeout or signal (so it can be killed, see ssh-posix-run.ts): write POSIX sh. With `shell: powershell` (OpenSSH for
 * Windows) every command is sent as `powershell.exe -EncodedCommand …`, so no
 * cmd.exe quoting applies.
 */
export class SshTransport implements Transport {
  readonly host: string;
  readonly shell: ShellKind;
  private readonly settings: SshTransportConfig;
  private readonly slots: ChannelSlots;
  private readonly closing = new AbortController();
  /** Markers of killable POSIX commands in flight, killed by close() before it disconnects. */
  private readonly running = new Set<string>();
  private live: Client | undefined;
  private pending: Promise<Client> | undefined;
  /**
   * Set when the host stopped answering keepalives on an open connection: it is
   * lost for the rest of this transport's life. Reconnecting to a hung host only
   * waits out handshake timeouts, so every later command fails with this at once.
   */
  private lost: TransportError | undefined;
  private streamer: SshTransport | undefined;
  /** Persistent shells, or undefined when every command gets its own exec channel. */
  private readonly shells: ShellPool | undefined;

  constructor(
    private readonly hostConfig: HostConfig,
    private readonly context: TransportContext,
    private readonly options: SshTransportOptions = {},
  ) {
    if (hostConfig.transport.kind !== 'ssh') throw new TypeError(`host ${hostConfig.name} does not use the ssh transport`);
    this.settings = hostConfig.transport;
    this.host = hostConfig.name;
    this.shell = this.settings.shell ?? (hostConfig.platform === 'windows' ? 'powershell' : 'posix');
    this.slots = new ChannelSlots(options.maxChannels ?? 8);
    if (this.shell === 'posix' && (options.commandMode ?? 'shell') === 'shell') {
      this.shells = new ShellPool(async (signal) => {
        const { client, channel } = await this.openChannel('exec /bin/sh', signal);
        return new PersistentShell(client, channel, this.host);
      });
    }
    // Every operation in flight listens for close(): many at once is normal, not a leak.
    setMaxListeners(0, this.closing.signal);
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.shell === 'posix') return this.execLine(command, command, options);
    // Chunked like WinRM's when longer than cmd.exe (OpenSSH's default shell on Windows) allows. Under a
    // PowerShell DefaultShell the chunk lines (cmd.exe syntax) would not run: one line, as long as Windows allows.
    const plan = this.settings.default_shell === 'cmd' ? planPowerShell(command) : planPowerShell(command, WINDOWS_COMMAND_LINE_LIMIT);
    if (this.settings.default_shell === 'powershell' && plan.uploads.length) {
      throw new TransportError('TRANSPORT_PROTOCOL', this.host, `the script is longer than a Windows command line allows (${WINDOWS_COMMAND_LINE_LIMIT} characters) and default_shell: powershell cannot take it in chunks: set DefaultShell back to cmd.exe and default_shell: cmd`);
    }
    return runPowerShellPlan(plan, (line, lineOptions) => this.execLine(line, command, lineOptions), options, this.context.clock, this.host);
  }

  /** One command on the wire: a POSIX command, or a PowerShell hosts' cmd.exe line (already encoded). */
  private async execLine(command: string, script: string, options: ExecOptions): Promise<ExecResult> {
    const started = this.context.clock.now();
    await this.connected(options.signal);
    const operation = this.operation(script, options);
    // Only a command that can be abandoned (timeout or signal) needs the marker that lets us kill it.
    const runId = options.timeoutMs !== undefined || options.signal !== undefined ? newRunId() : undefined;
    let release: (() => void) | undefined;
    let shell: PersistentShell | undefined;
    if (runId) this.running.add(runId);
    try {
      release = await this.slots.acquire(operation.signal);
      let outcome;
      if (this.shells) {
        shell = await this.shells.take(operation.signal);
        // Every shell command carries a marker: it costs nothing there, and the killer needs it.
        outcome = await abortable(shell.run(command, runId ?? newRunId()), operation.signal);
      } else {
        const wire = this.shell === 'powershell' ? command : this.wire(command, runId);
        const { client, channel } = await this.openChannel(wire, operation.signal);
        outcome = await collectChannel(client, channel, this.host, operation.signal);
      }
      // PowerShell's redirected error stream is CLIXML: people read text.
      const stderr = this.shell === 'powershell' ? decodeClixml(outcome.stderr) : outcome.stderr;
      return { ...outcome, stderr, durationMs: Math.round(this.context.clock.now() - started) };
    } catch (error) {
      // Timed out or aborted by the caller (close() kills what it abandons itself).
      if (runId && release && error === operation.signal.reason && !this.closing.signal.aborted) await this.killRemote([runId]);
      // A command cut off by the keepalive's verdict fails with the reason, not just "connection lost".
      throw this.lost && isTransportError(error) && error.code === 'TRANSPORT_CLOSED' ? this.lost : error;
    } finally {
      if (runId) this.running.delete(runId);
      if (shell) await this.shells!.giveBack(shell, this.context.clock, SHELL_GRACE_MS);
      release?.();
      operation.dispose();
    }
  }

  async *stream(command: string, options: StreamOptions): AsyncGenerator<string> {
    if (this.options.separateStreamConnection === false) {
      yield* this.streamOnThisConnection(command, options);
      return;
    }
    if (this.closing.signal.aborted) throw this.closing.signal.reason;
    this.streamer ??= new SshTransport(this.hostConfig, this.context, { ...this.options, separateStreamConnection: false });
    yield* this.streamer.streamOnThisConnection(command, options);
  }

  private async *streamOnThisConnection(command: string, options: StreamOptions): AsyncGenerator<string> {
    const operation = this.operation(command, { signal: options.signal });
    const runId = newRunId();
    const progress: { ended?: 'exited' | 'lost' } = {};
    let release: (() => void) | undefined;
    let opened = false;
    this.running.add(runId);
    try {
      release = await this.slots.acquire(operation.signal);
      // Idle shells hold server sessions too: keep shells and channels within the limit.
      this.shells?.shrinkTo(this.slots.limit - this.slots.inUse());
      const { client, channel } = await this.openChannel(this.wire(command, runId), operation.signal);
      opened = true;
      yield* channelLines(client, channel, this.host, operation.signal, progress, options.keepLineEndings);
    } catch (error) {
      // The caller's abort ends the stream; it is not a failure.
      if (!(options.signal.aborted && error === options.signal.reason)) throw error;
    } finally {
      this.running.delete(runId);
      release?.();
      operation.dispose();
      // Aborted, or the consumer stopped reading: the command may still run.
      if (opened && !progress.ended && !this.closing.signal.aborted) await this.killRemote([runId]);
    }
  }

  async probe(options: { timeoutMs?: number } = {}): Promise<void> {
    const result = await this.exec(this.shell === 'posix' ? 'true' : 'exit 0', { timeoutMs: options.timeoutMs ?? 10_000 });
    if (result.exitCode !== 0) {
      throw new TransportError('TRANSPORT_PROTOCOL', this.host, `probe command exited with ${result.exitCode}: ${result.stderr.trim()}`);
    }
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    const abandoned = [...this.running];
    this.closing.abort(new TransportError('TRANSPORT_CLOSED', this.host, 'the transport was closed'));
    await Promise.all([this.killRemote(abandoned), this.streamer?.close()]);
    const client = this.live;
    this.live = undefined;
    if (client) {
      const closed = new Promise<void>((done) => client.once('close', () => done()));
      client.end();
      await closed;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Waits for the host's connection before a command's deadline starts: the
   * connection has a deadline of its own (connect_timeout, with retries), and
   * when a run starts on a fleet, a hundred handshakes queue on the controller
   * and the hosts at once; that wait must not time out the first command of
   * every attempt (it did: 100 hosts, every preflight probe timed out).
   */
  private async connected(signal: AbortSignal | undefined): Promise<void> {
    if (this.live) return;
    const waiting = operationSignal([signal, this.closing.signal], undefined);
    try {
      await abortable(this.connection(), waiting.signal);
    } finally {
      waiting.dispose();
    }
  }

  private operation(command: string, options: ExecOptions): { signal: AbortSignal; dispose: () => void } {
    const timeoutMs = options.timeoutMs;
    const timeout = timeoutMs === undefined
      ? undefined
      : {
          ms: timeoutMs,
          clock: this.context.clock,
          reason: () => commandTimedOut(this.host, command, timeoutMs),
        };
    return operationSignal([options.signal, this.closing.signal], timeout);
  }

  /**
   * What goes on the wire: PowerShell scripts are encoded (with the UTF-8 output
   * prelude, as over WinRM, so Windows' OEM code page never mangles output;
   * streams only: exec plans its lines with planPowerShell); killable POSIX
   * commands carry a run marker.
   */
  private wire(command: string, runId: string | undefined): string {
    if (this.shell === 'powershell') return powershellInvocation(UTF8_PRELUDE + command);
    return runId === undefined ? command : markedPosixCommand(command, runId);
  }

  /**
   * Kills what is left of timed-out, aborted or abandoned POSIX commands (see
   * ssh-posix-run.ts), on the live connection and outside the channel queue:
   * the kill is short and must not wait behind the commands it ends. On
   * PowerShell hosts closing the channel is all there is: Windows OpenSSH ends
   * the process it started when its channel closes.
   */
  private async killRemote(runIds: readonly string[]): Promise<void> {
    const client = this.live;
    if (this.shell !== 'posix' || !client || runIds.length === 0) return;
    const operation = operationSignal([], {
      ms: KILL_TIMEOUT_MS,
      clock: this.context.clock,
      reason: () => new TransportError('TRANSPORT_TIMEOUT', this.host, `killing abandoned commands took over ${KILL_TIMEOUT_MS} ms`),
    });
    try {
      const channel = await abortable(openExecChannel(client, this.host, killMarkedCommand(runIds)), operation.signal, killChannel);
      await collectChannel(client, channel, this.host, operation.signal);
    } catch (error) {
      this.context.logger.warn({ host: this.host, err: (error as Error).message }, 'could not kill abandoned remote commands');
    } finally {
      operation.dispose();
    }
  }

  /**
   * Opens a channel for the command on the pooled connection. A connection
   * found dead while opening is replaced once: nothing has run yet, so the retry is safe.
   */
  private async openChannel(wire: string, signal: AbortSignal): Promise<{ client: Client; channel: ClientChannel }> {
    for (let attempt = 0, refusals = 0; ; attempt += 1) {
      const client = await abortable(this.connection(), signal);
      try {
        const channel = await abortable(openExecChannel(client, this.host, wire), signal, killChannel);
        return { client, channel };
      } catch (error) {
        if (!isTransportError(error)) throw error;
        if (error.code === 'TRANSPORT_QUOTA' && refusals < CHANNEL_REFUSAL_RETRIES) {
          // The server frees a session some time after its channel closed (long on a loaded host): a refusal at the limit clears.
          await this.context.clock.sleep(backoffDelay(refusals, 100, 1000), signal);
          refusals += 1;
          continue;
        }
        if (attempt > 0 || error.code !== 'TRANSPORT_CLOSED') throw error;
        this.forget(client);
      }
    }
  }

  private connection(): Promise<Client> {
    if (this.closing.signal.aborted) return Promise.reject(this.closing.signal.reason);
    if (this.lost) return Promise.reject(this.lost);
    if (this.live) return Promise.resolve(this.live);
    this.pending ??= this.connectWithBackoff().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async connectWithBackoff(): Promise<Client> {
    const endpoint = await this.endpoint();
    const attempts = this.options.connectAttempts ?? 3;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const release = await handshakes.acquire(this.closing.signal);
        const client = await openSshConnection(endpoint).finally(release);
        if (this.closing.signal.aborted) {
          client.end();
          throw this.closing.signal.reason;
        }
        client.setMaxListeners(0);
        // ssh2 reports unanswered keepalives as a 'client-timeout' error, then drops the socket.
        client.on('error', (error: Error & { level?: string }) => {
          if (error.level === 'client-timeout') this.declareLost(endpoint);
        });
        client.once('close', () => {
          if (this.live === client) this.live = undefined;
          this.context.logger.debug({ host: this.host }, 'ssh connection closed');
        });
        this.live = client;
        return client;
      } catch (error) {
        const retryable = isTransportError(error) && error.code === 'TRANSPORT_UNREACHABLE';
        if (!retryable || attempt + 1 >= attempts) throw error;
        const delay = backoffDelay(attempt, this.options.backoffBaseMs ?? 250, this.options.backoffMaxMs ?? 4000);
        this.context.logger.warn({ host: this.host, attempt: attempt + 1, delayMs: delay, err: (error as Error).message }, 'ssh connect failed, retrying');
        await this.context.clock.sleep(delay, this.closing.signal);
      }
    }
  }

  private declareLost(endpoint: SshEndpoint): void {
    if (this.lost) return;
    const silence = endpoint.keepaliveMs * endpoint.keepaliveCountMax;
    this.lost = new TransportError(
      'TRANSPORT_UNREACHABLE',
      this.host,
      `host stopped answering: ${endpoint.keepaliveCountMax} keepalives over ${silence} ms got no reply; not reconnecting during this run`,
    );
    this.context.logger.warn({ host: this.host, err: this.lost.message }, 'ssh host declared lost');
  }

  private forget(client: Client): void {
    if (this.live === client) this.live = undefined;
    client.end();
  }

  /** Secrets come from the context (LabHosts resolves them once per run); pinned host keys are read at every (re)connect, so a rotated known_hosts is picked up. */
  private async endpoint(): Promise<SshEndpoint> {
    const { settings, context } = this;
    const [privateKey, passphrase, password] = await Promise.all(
      [settings.key, settings.passphrase, settings.password].map((ref) => (ref === undefined ? undefined : context.resolveSecret(ref))),
    );
    return {
      host: this.host,
      address: addressOf(this.hostConfig),
      port: settings.port,
      user: settings.user,
      ...(privateKey !== undefined && { privateKey }),
      ...(passphrase !== undefined && { passphrase }),
      ...(password !== undefined && { password }),
      hostKey: settings.insecure_host_key && settings.known_hosts === undefined ? { kind: 'insecure' } : await this.pinnedHostKey(),
      keepaliveMs: settings.keepalive,
      keepaliveCountMax: settings.keepalive_count_max,
      connectTimeoutMs: settings.connect_timeout,
    };
  }

  private async pinnedHostKey(): Promise<SshEndpoint['hostKey']> {
    const path = this.settings.known_hosts!;
    const file = isAbsolute(path) ? path : resolve(this.context.baseDir, path);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new TransportError('TRANSPORT_AUTH', this.host, `cannot read known_hosts file ${file}: ${(error as Error).message}`, { cause: error });
    }
    const address = addressOf(this.hostConfig);
    const keys = pinnedKeysFor(parseKnownHosts(text), address, this.settings.port);
    if (keys.accepted.length === 0) {
      throw new TransportError('TRANSPORT_AUTH', this.host, `no host key for ${knownHostsName(address, this.settings.port)} in ${file}`);
    }
    return { kind: 'pinned', keys, source: file };
  }
}


export function createSshTransport(host: HostConfig, context: TransportContext, options?: SshTransportOptions): Transport {
  return new SshTransport(host, context, options);
}

import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { addressOf, type HostConfig, type TransportConfig } from '../config/lab-schema.js';
import { ChaoslabError, TransportError } from '../core/errors.js';
import { backoffDelay } from '../core/wait.js';
import { decodeClixml } from './clixml.js';
import { LineSplitter } from './line-splitter.js';
import type { ExecOptions, ExecResult, StreamOptions, Transport, TransportContext } from './transport.js';
import { WinRmClient, type CommandOutput, type RunOptions, type WinRmClientOptions } from './winrm/client.js';
import { isRetryable } from './winrm/errors.js';
import type { KerberosLogin } from './winrm/kerberos.js';
import { HostLostError, PersistentHost } from './winrm/persistent-host.js';

type WinRmSettings = Extract<TransportConfig, { kind: 'winrm' }>;

/**
 * Transport over WinRM (WS-Management remote shell): every command is a
 * PowerShell script. With `execution: persistent` (the default) scripts run in
 * one long-lived PowerShell host per machine, fed over its stdin; with
 * `execution: process` each is its own `powershell -EncodedCommand` (uploaded
 * in chunks when longer than cmd.exe allows). Execs share a pool of
 * `max_connections` keep-alive connections and reuse shells; each stream gets
 * its own connection so a log tail never holds up the attempt's commands.
 *
 * A read-only command (ExecOptions.readOnly) that loses the host mid-way is
 * run again over a new connection until `retry_budget` is spent; anything
 * else is re-sent only when it provably never reached the host.
 */
export class WinRmTransport implements Transport {
  readonly host: string;
  readonly shell = 'powershell' as const;
  private client: Promise<WinRmClient> | undefined;
  private persistent: PersistentHost | undefined;
  private readonly streams = new Set<WinRmClient>();
  private closed = false;

  constructor(private readonly hostConfig: HostConfig, private readonly settings: WinRmSettings, private readonly context: TransportContext) {
    this.host = hostConfig.name;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = this.context.clock.now();
    const run = { ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }), ...(options.signal && { signal: options.signal }) };
    const output = await this.withRetries(options.readOnly === true ? this.settings.retry_budget : 0, options.signal, async () => {
      const client = await this.sharedClient();
      const host = this.hostFor(client);
      return host ? host.run(command, run) : this.run(client, command, run);
    }, (error) => options.readOnly === true || (error instanceof HostLostError && !error.delivered));
    return { ...output, stderr: decodeClixml(output.stderr), durationMs: Math.round(this.context.clock.now() - started) };
  }

  /** PowerShell hosts started on the machine so far (bench, tests). */
  get hostStarts(): number {
    return this.persistent?.starts ?? 0;
  }

  /**
   * Runs `attempt`, and again after a retryable failure (network, a restarting
   * service, a host that died) while `budgetMs` lasts and `mayRepeat` says the
   * work may be repeated. Always at least one more try for work that never left.
   */
  private async withRetries(budgetMs: number, signal: AbortSignal | undefined, attempt: () => Promise<CommandOutput>, mayRepeat: (error: unknown) => boolean): Promise<CommandOutput> {
    const until = this.context.clock.now() + budgetMs;
    for (let tries = 0; ; tries += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (signal?.aborted || this.closed || !isRetryable(error) || !mayRepeat(error)) throw error;
        const undelivered = error instanceof HostLostError && !error.delivered && tries === 0;
        if (!undelivered && this.context.clock.now() >= until) throw error;
        this.context.logger.warn({ host: this.host, error: (error as Error).message }, 'WinRM command lost the host; running it again');
        await this.context.clock.sleep(Math.min(backoffDelay(tries, 500, 5000), Math.max(0, until - this.context.clock.now())), signal);
      }
    }
  }

  /** The machine's persistent host, unless this transport runs one process per command or the machine cannot keep one. */
  private hostFor(client: WinRmClient): PersistentHost | undefined {
    if (this.settings.execution !== 'persistent') return undefined;
    this.persistent ??= new PersistentHost(client, this.host, this.context.clock, this.settings.operation_timeout);
    if (this.persistent.unsupported === undefined) return this.persistent;
    return undefined;
  }

  async *stream(command: string, options: StreamOptions): AsyncGenerator<string> {
    const client = new WinRmClient(await this.clientOptions());
    this.streams.add(client);
    const lines: string[] = [];
    const splitter = new LineSplitter(options.keepLineEndings);
    let wake: (() => void) | undefined;
    let finished = false;
    let failure: unknown;
    const running = this.run(client, command, {
      signal: options.signal,
      onStdout: (text) => {
        lines.push(...splitter.push(text));
        wake?.();
      },
    }).then(
      () => { finished = true; wake?.(); },
      (error: unknown) => { failure = error; finished = true; wake?.(); },
    );
    try {
      for (;;) {
        while (lines.length) yield lines.shift()!;
        if (finished) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      const rest = splitter.rest();
      if (rest) yield rest;
      // The caller's abort ends the stream; it is not a failure.
      if (failure !== undefined && !options.signal.aborted) throw failure;
    } finally {
      this.streams.delete(client);
      await client.close();
      await running;
    }
  }

  /**
   * Liveness: the persistent model asks cmd.exe (`exit 0` under `cmd /c`, no
   * PowerShell started, not queued behind the host's scripts); the process
   * model runs PowerShell as before. Tried again until `probe_budget` is spent,
   * so a WinRM service restart does not quarantine the host.
   */
  async probe(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const result = await this.withRetries(this.settings.probe_budget, undefined, async () => {
      const client = await this.sharedClient();
      if (this.settings.execution === 'persistent') return client.runCommand('exit 0', { timeoutMs });
      return this.run(client, 'exit 0', { timeoutMs });
    }, () => true);
    if (result.exitCode !== 0) throw new TransportError('TRANSPORT_PROTOCOL', this.host, `probe command exited with ${result.exitCode}: ${result.stderr.trim()}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const shared = this.client;
    this.client = undefined;
    await this.persistent?.close();
    await Promise.all([...this.streams].map((client) => client.close()));
    if (shared) await (await shared.catch(() => undefined))?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async run(client: WinRmClient, script: string, options: RunOptions) {
    try {
      return await client.runPowerShell(script, options);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw error;
    }
  }

  private sharedClient(): Promise<WinRmClient> {
    if (this.closed) return Promise.reject(new TransportError('TRANSPORT_CLOSED', this.host, 'the transport was closed'));
    this.client ??= this.clientOptions().then((options) => new WinRmClient(options));
    // A failed secret or CA read is retried on the next exec.
    this.client.catch(() => (this.client = undefined));
    return this.client;
  }

  private kerberosLogin(address: string, password: string | undefined): KerberosLogin {
    const { settings } = this;
    return {
      principal: settings.user,
      spn: settings.kerberos?.spn ?? `HTTP/${address}`,
      ...(password !== undefined && { password }),
      ...kerberosPaths(settings, this.context.baseDir),
    };
  }

  private async clientOptions(): Promise<WinRmClientOptions> {
    const { settings, hostConfig } = this;
    const port = settings.port ?? (settings.scheme === 'https' ? 5986 : 5985);
    const given = addressOf(hostConfig);
    const address = given.includes(':') ? `[${given}]` : given;
    const ca = settings.ca === undefined ? undefined : await readFile(isAbsolute(settings.ca) ? settings.ca : resolve(this.context.baseDir, settings.ca)).catch((error: unknown) => {
      throw new ChaoslabError('CHAOSLAB_LAB_INVALID', `${this.host}: cannot read transport.ca ${settings.ca}: ${(error as Error).message}`);
    });
    const password = settings.password === undefined ? undefined : await this.context.resolveSecret(settings.password);
    return {
      host: this.host,
      url: new URL(`${settings.scheme}://${address}:${port}/wsman`),
      auth: settings.auth,
      user: settings.user,
      password: password ?? '',
      ...(settings.auth === 'kerberos' && { kerberos: this.kerberosLogin(given, password) }),
      encrypt: settings.scheme === 'http' && settings.auth === 'ntlm',
      ...(ca !== undefined && { ca }),
      insecureTls: settings.insecure_tls,
      connectTimeoutMs: settings.connect_timeout,
      operationTimeoutMs: settings.operation_timeout,
      maxRetries: settings.max_retries,
      // The persistent host keeps one Receive outstanding: its scripts need a second connection.
      maxConnections: settings.execution === 'persistent' ? Math.max(2, settings.max_connections) : settings.max_connections,
      clock: this.context.clock,
    };
  }
}

/** auth: kerberos — relative keytab/ccache paths are the inventory's. */
function kerberosPaths(settings: WinRmSettings, baseDir: string): { keytab?: string; ccache?: string } {
  const local = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  return {
    ...(settings.kerberos?.keytab !== undefined && { keytab: local(settings.kerberos.keytab) }),
    ...(settings.kerberos?.ccache !== undefined && { ccache: local(settings.kerberos.ccache.replace(/^FILE:/, '')) }),
  };
}

export function createWinRmTransport(host: HostConfig, context: TransportContext): Transport {
  if (host.transport.kind !== 'winrm') throw new ChaoslabError('CHAOSLAB_LAB_INVALID', `${host.name}: not a winrm transport`);
  return new WinRmTransport(host, host.transport, context);
}

import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { addressOf, type HostConfig, type TransportConfig } from '../config/lab-schema.js';
import { ChaoslabError, TransportError } from '../core/errors.js';
import { decodeClixml } from './clixml.js';
import { LineSplitter } from './line-splitter.js';
import type { ExecOptions, ExecResult, StreamOptions, Transport, TransportContext } from './transport.js';
import { WinRmClient, type RunOptions, type WinRmClientOptions } from './winrm/client.js';
import type { KerberosLogin } from './winrm/kerberos.js';

type WinRmSettings = Extract<TransportConfig, { kind: 'winrm' }>;

/**
 * Transport over WinRM (WS-Management remote shell): every command is a
 * PowerShell script, sent as `powershell -EncodedCommand` (or uploaded in
 * chunks when longer than cmd.exe allows). Execs share one keep-alive
 * connection and reuse shells; each stream gets its own connection so a log
 * tail never holds up the attempt's commands.
 */
export class WinRmTransport implements Transport {
  readonly host: string;
  readonly shell = 'powershell' as const;
  private client: Promise<WinRmClient> | undefined;
  private readonly streams = new Set<WinRmClient>();
  private closed = false;

  constructor(private readonly hostConfig: HostConfig, private readonly settings: WinRmSettings, private readonly context: TransportContext) {
    this.host = hostConfig.name;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = this.context.clock.now();
    const client = await this.sharedClient();
    const output = await this.run(client, command, { ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }), ...(options.signal && { signal: options.signal }) });
    return { ...output, stderr: decodeClixml(output.stderr), durationMs: Math.round(this.context.clock.now() - started) };
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

  async probe(options: { timeoutMs?: number } = {}): Promise<void> {
    const result = await this.exec('exit 0', { timeoutMs: options.timeoutMs ?? 15_000 });
    if (result.exitCode !== 0) throw new TransportError('TRANSPORT_PROTOCOL', this.host, `probe command exited with ${result.exitCode}: ${result.stderr.trim()}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const shared = this.client;
    this.client = undefined;
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

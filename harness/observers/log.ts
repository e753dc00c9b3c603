import type { ObserverConfigOf } from '../config/observer-schema.js';
import { ChaoslabError, errorMessage, isTransportError, ObserverUnavailableError } from '../core/errors.js';
import { ps, sh } from '../quoting/shell.js';
import type { ShellKind } from '../transport/transport.js';
import { mapJson, mapRecord } from './fields.js';
import type { Observer, ObserverContext, ObserverOutput, WatchRequest } from './observer.js';
import { Reconnector } from './retry.js';

type LogConfig = ObserverConfigOf<'log'>;

/**
 * Follows a file from line `fromLine` (1-based) and keeps following it across
 * rotation. Streaming, not polling: the host's tail pushes each new line.
 */
export function tailCommand(shell: ShellKind, path: string, fromLine: number): string {
  if (shell === 'posix') return sh`tail -n ${`+${fromLine}`} -F ${path} 2>/dev/null`;
  return ps`Get-Content -LiteralPath ${path} -Wait -Encoding UTF8 | Select-Object -Skip ${String(fromLine - 1)}`;
}

const REGEX_GROUPS = ['kind', 'at', 'host', 'check_type', 'runbook', 'tier', 'run_id', 'id'] as const;

function compilePattern(config: LogConfig): RegExp | undefined {
  if (config.format !== 'regex') return undefined;
  if (!config.pattern) throw new ChaoslabError('OBSERVER_CONFIG', `observer ${config.name}: format regex needs a \`pattern\` with named groups (?<kind>…) and (?<at>…)`);
  let pattern: RegExp;
  try {
    pattern = new RegExp(config.pattern);
  } catch (error) {
    throw new ChaoslabError('OBSERVER_CONFIG', `observer ${config.name}: pattern is not a valid regular expression: ${errorMessage(error)}`);
  }
  const missing = ['kind', 'at'].filter((group) => !config.pattern!.includes(`(?<${group}>`));
  if (missing.length) throw new ChaoslabError('OBSERVER_CONFIG', `observer ${config.name}: pattern lacks the named group(s) ${missing.join(', ')}`);
  return pattern;
}

/**
 * The `log` observer: tails a JSONL or regex log on a lab host over its
 * transport. A lost transport is resumed from the next unread line, so old
 * lines are not delivered again; it gives up only when resuming keeps failing.
 */
export class LogObserver implements Observer {
  readonly kind = 'log';
  readonly name: string;
  private readonly pattern: RegExp | undefined;

  constructor(private readonly config: LogConfig, private readonly context: ObserverContext) {
    this.name = config.name;
    this.pattern = compilePattern(config);
  }

  parseLine(line: string): ObserverOutput[] {
    const record = { source: this.name, fields: this.config.fields, kinds: this.config.kinds };
    if (!this.pattern) return mapJson(line, record);
    const match = this.pattern.exec(line);
    // only lines that match the pattern are events; other log lines are not the stack's signals
    if (!match?.groups) return [];
    const groups = Object.fromEntries(REGEX_GROUPS.filter((name) => match.groups![name] !== undefined).map((name) => [name, match.groups![name]]));
    return [mapRecord({ ...groups, line }, record)];
  }

  async *watch(request: WatchRequest): AsyncIterable<ObserverOutput> {
    const hostName = this.config.host === '$target' ? request.host.name : this.config.host;
    const transport = this.context.transportFor(hostName);
    const reconnector = new Reconnector(this.name, this.context.clock);
    let linesRead = 0;
    for (;;) {
      try {
        for await (const line of transport.stream(tailCommand(transport.shell, this.config.path, linesRead + 1), { signal: request.signal })) {
          linesRead += 1;
          reconnector.succeeded();
          if (line.trim() === '') continue;
          yield* this.parseLine(line);
        }
        if (request.signal.aborted) return;
        await reconnector.failed(new Error(`tail of ${this.config.path} on ${hostName} ended`), request.signal);
      } catch (error) {
        if (request.signal.aborted) return;
        if (error instanceof ObserverUnavailableError) throw error;
        if (isTransportError(error) && error.code === 'TRANSPORT_AUTH') {
          throw new ObserverUnavailableError(this.name, `cannot log in to ${hostName}: ${error.message}`, { cause: error });
        }
        this.context.logger.warn({ observer: this.name, host: hostName, err: errorMessage(error), linesRead }, 'log tail lost; resuming from the next unread line');
        await reconnector.failed(error, request.signal).catch((failure: unknown) => {
          if (request.signal.aborted) return;
          throw failure;
        });
        if (request.signal.aborted) return;
      }
    }
  }

  /** A fixed host is checked for a readable file; a `$target` log is covered by the target's own transport probe. */
  async probe(): Promise<void> {
    if (this.config.host === '$target') return;
    const transport = this.context.transportFor(this.config.host);
    const command = transport.shell === 'posix' ? sh`test -r ${this.config.path}` : ps`if (-not (Test-Path -LiteralPath ${this.config.path})) { exit 1 }`;
    try {
      const result = await transport.exec(command, { timeoutMs: 10_000 });
      if (result.exitCode !== 0) throw new Error(`${this.config.path} is not readable on ${this.config.host}`);
    } catch (error) {
      throw new ObserverUnavailableError(this.name, errorMessage(error), { cause: error });
    }
  }

  async close(): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

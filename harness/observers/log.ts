import type { ObserverConfigOf } from '../config/observer-schema.js';
import { ChaoslabError, errorMessage, isTransportError, ObserverUnavailableError } from '../core/errors.js';
import { excerpt } from '../core/redact.js';
import { ps, sh } from '../quoting/shell.js';
import type { Transport } from '../transport/transport.js';
import { mapJson, mapRecord } from './fields.js';
import { followCommand, measureCommand, parseHeader, parseMeasurement, START_OF_LOG, type LogPosition } from './log-tail.js';
import type { Observer, ObserverContext, ObserverOutput, PrepareRequest, WatchRequest } from './observer.js';
import { Reconnector } from './retry.js';

type LogConfig = ObserverConfigOf<'log'>;

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
 * transport. It starts where the file ended just before the injection (what
 * `prepare` measured) and keeps its position in bytes, so neither a large old
 * log nor a lost transport makes it read old lines again. It gives up only
 * when resuming keeps failing.
 */
export class LogObserver implements Observer<LogPosition> {
  readonly kind = 'log';
  readonly name: string;
  private readonly pattern: RegExp | undefined;

  constructor(private readonly config: LogConfig, private readonly context: ObserverContext) {
    this.name = config.name;
    this.pattern = compilePattern(config);
  }

  /**
   * One log line → events. `fileHost` is the host whose file it is: a line
   * that names no host is about that host (most agents' local logs never name
   * it), while a line that does name one keeps it.
   */
  parseLine(line: string, fileHost: string): ObserverOutput[] {
    const record = { source: this.name, fields: this.config.fields, kinds: this.config.kinds, defaults: { host: fileHost } };
    if (!this.pattern) return mapJson(line, record);
    const match = this.pattern.exec(line);
    // only lines that match the pattern are events; other log lines are not the stack's signals
    if (!match?.groups) return [];
    const groups = Object.fromEntries(REGEX_GROUPS.filter((name) => match.groups![name] !== undefined).map((name) => [name, match.groups![name]]));
    return [mapRecord({ ...groups, line }, record)];
  }

  /** Where the file ends now: nothing the agent wrote before this can be about the attempt. */
  async prepare(request: PrepareRequest): Promise<LogPosition> {
    const { transport } = this.target(request);
    const result = await transport.exec(measureCommand(transport.shell, this.config.path), { signal: request.signal, timeoutMs: 10_000 });
    if (result.exitCode !== 0) throw new Error(`measuring ${this.config.path} exited ${result.exitCode}: ${excerpt(result.stderr.trim(), 200)}`);
    return parseMeasurement(result.stdout);
  }

  async *watch(request: WatchRequest<LogPosition>): AsyncIterable<ObserverOutput> {
    const { hostName, transport } = this.target(request);
    const reconnector = new Reconnector(this.name, this.context.clock);
    // Without a measured start every line of the file is read; the old ones are rejected as stale.
    let position = request.start ?? START_OF_LOG;
    for (;;) {
      try {
        let header = true;
        for await (const piece of transport.stream(followCommand(transport.shell, this.config.path, position), { signal: request.signal, keepLineEndings: true })) {
          if (header) {
            header = false;
            position = this.resumed(position, parseHeader(piece), hostName, request);
            continue;
          }
          // A piece without its newline is the stream ending mid-line: the resume reads that line again, whole.
          if (!piece.endsWith('\n')) continue;
          position = { identity: position.identity, offset: position.offset + Buffer.byteLength(piece, 'utf8') };
          reconnector.succeeded();
          const line = piece.replace(/\r?\n$/, '');
          if (line.trim() === '') continue;
          yield* this.parseLine(line, hostName);
        }
        if (request.signal.aborted) return;
        await reconnector.failed(new Error(`tail of ${this.config.path} on ${hostName} ended`), request.signal);
      } catch (error) {
        if (request.signal.aborted) return;
        if (error instanceof ObserverUnavailableError) throw error;
        if (isTransportError(error) && error.code === 'TRANSPORT_AUTH') {
          throw new ObserverUnavailableError(this.name, `cannot log in to ${hostName}: ${error.message}`, { cause: error });
        }
        this.context.logger.warn({ observer: this.name, host: hostName, err: errorMessage(error), ...position }, 'log tail lost; resuming at the byte offset read so far');
        await reconnector.failed(error, request.signal).catch((failure: unknown) => {
          if (request.signal.aborted) return;
          throw failure;
        });
        if (request.signal.aborted) return;
      }
    }
  }

  /**
   * The host decides where the tail really starts (it sees the file; we only
   * remember it). Starting over at 0 after an offset means the file was
   * rotated or truncated while nobody read it: whatever the old file got
   * after the offset was not read, and the rotated file is not looked for.
   */
  private resumed(wanted: LogPosition, actual: LogPosition, hostName: string, request: WatchRequest<LogPosition>): LogPosition {
    if (wanted.offset > 0 && actual.offset === 0) {
      const change = actual.identity === wanted.identity ? 'was truncated' : 'was replaced (rotated)';
      const message = `${this.config.path} on ${hostName} ${change} since byte ${wanted.offset} was read; reading the new file from its start; lines written to the old file after that offset may have been missed`;
      this.context.logger.warn({ observer: this.name, host: hostName, path: this.config.path, code: 'LOG_ROTATED', previous: wanted, current: actual.identity }, message);
      // a missed line may be the heal itself: the scorecard must say so
      request.note?.(message);
    }
    return actual;
  }

  private target(request: PrepareRequest): { hostName: string; transport: Transport } {
    const hostName = this.config.host === '$target' ? request.host.name : this.config.host;
    return { hostName, transport: this.context.transportFor(hostName) };
  }

  /** A fixed host is checked for a readable file; a `$target` log is covered by the target's own transport probe. */
  async probe(): Promise<void> {
    if (this.config.host !== '$target') await probeReadableFile(this.name, this.context, this.config.host, this.config.path);
  }

  async close(): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Throws ObserverUnavailableError unless `path` is readable on `hostName` (observers that read a file on a fixed host). */
export async function probeReadableFile(observer: string, context: ObserverContext, hostName: string, path: string): Promise<void> {
  const transport = context.transportFor(hostName);
  const command = transport.shell === 'posix' ? sh`test -r ${path}` : ps`if (-not (Test-Path -LiteralPath ${path})) { exit 1 }`;
  try {
    const result = await transport.exec(command, { timeoutMs: 10_000 });
    if (result.exitCode !== 0) throw new Error(`${path} is not readable on ${hostName}`);
  } catch (error) {
    throw new ObserverUnavailableError(observer, errorMessage(error), { cause: error });
  }
}

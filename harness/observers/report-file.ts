import type { ObserverConfigOf } from '../config/observer-schema.js';
import { ChaoslabError, errorMessage, isTransportError, ObserverUnavailableError } from '../core/errors.js';
import { excerpt } from '../core/redact.js';
import { sh } from '../quoting/shell.js';
import type { Transport } from '../transport/transport.js';
import type { Observer, ObserverContext, ObserverOutput, PrepareRequest, WatchRequest } from './observer.js';
import { reportEvents } from './report-records.js';
import { Reconnector } from './retry.js';
import { probeReadableFile } from './log.js';

type ReportFileConfig = ObserverConfigOf<'report-file'>;

/** Which version of the report a watch has read: inode, size and modification time ('' = no file). */
export type ReportVersion = string;

const SAME = 'chaoslab-report same';
const MISSING = 'chaoslab-report missing';
const CHANGED = 'chaoslab-report changed ';

/**
 * Prints whether the report is still the version `known`; if not, its new
 * version line and then the whole file. One command per poll, so a report
 * renamed into place (Puppet writes a temporary file and renames it) is read
 * either wholly old or wholly new.
 */
export function readIfChangedCommand(path: string, known: ReportVersion): string {
  return sh`p=${path} known=${known}
v=$(stat -L -c '%i:%s:%.9Y' -- "$p" 2>/dev/null) || { echo ${MISSING}; exit 0; }
if [ "$v" = "$known" ]; then echo ${SAME}; else printf '%s%s\\n' ${CHANGED} "$v"; cat -- "$p"; fi`;
}

export function versionCommand(path: string): string {
  return sh`stat -L -c '%i:%s:%.9Y' -- ${path} 2>/dev/null || true`;
}

/** The answer of readIfChangedCommand: nothing new, or a new version and its text. */
export function parseReadAnswer(stdout: string): { version: ReportVersion; text: string } | undefined {
  if (stdout.startsWith(SAME) || stdout.startsWith(MISSING)) return undefined;
  if (!stdout.startsWith(CHANGED)) throw new ChaoslabError('OBSERVER_PROTOCOL', `unexpected answer reading the report: ${JSON.stringify(excerpt(stdout, 200))}`);
  const newline = stdout.indexOf('\n');
  return { version: stdout.slice(CHANGED.length, newline === -1 ? undefined : newline), text: newline === -1 ? '' : stdout.slice(newline + 1) };
}

/**
 * The `report-file` observer: for stacks that rewrite a structured report
 * (YAML or JSON) after every run instead of appending to a log, e.g. Puppet's
 * last_run_report.yaml. It checks the file every `poll_interval` and, when a
 * new version appeared, reads it whole and yields the records at `events`.
 * `prepare` notes the version present before the injection, so a report
 * written before the attempt is never read as part of it.
 */
export class ReportFileObserver implements Observer<ReportVersion> {
  readonly kind = 'report-file';
  readonly name: string;

  constructor(private readonly config: ReportFileConfig, private readonly context: ObserverContext) {
    this.name = config.name;
  }

  async prepare(request: PrepareRequest): Promise<ReportVersion> {
    const { transport } = this.target(request);
    const result = await transport.exec(versionCommand(this.config.path), { signal: request.signal, timeoutMs: 10_000 });
    return result.stdout.trim();
  }

  async *watch(request: WatchRequest<ReportVersion>): AsyncIterable<ObserverOutput> {
    const { hostName, transport } = this.target(request);
    const reconnector = new Reconnector(this.name, this.context.clock);
    // Without a prepared version the report present now is read too; its old events are rejected as stale.
    let version = request.start ?? '';
    while (!request.signal.aborted) {
      const started = this.context.clock.now();
      try {
        const result = await transport.exec(readIfChangedCommand(this.config.path, version), { signal: request.signal, timeoutMs: 20_000 });
        if (result.exitCode !== 0) throw new Error(`reading ${this.config.path} exited ${result.exitCode}: ${excerpt(result.stderr.trim(), 200)}`);
        const answer = parseReadAnswer(result.stdout);
        reconnector.succeeded();
        if (answer) {
          version = answer.version;
          yield* reportEvents(this.config, answer.text);
        }
        await this.context.clock.sleep(Math.max(0, this.config.poll_interval - (this.context.clock.now() - started)), request.signal);
      } catch (error) {
        if (request.signal.aborted) return;
        if (isTransportError(error) && error.code === 'TRANSPORT_AUTH') {
          throw new ObserverUnavailableError(this.name, `cannot log in to ${hostName}: ${error.message}`, { cause: error });
        }
        this.context.logger.warn({ observer: this.name, host: hostName, err: errorMessage(error) }, 'reading the report failed; retrying');
        await reconnector.failed(error, request.signal).catch((failure: unknown) => {
          if (request.signal.aborted) return;
          throw failure;
        });
      }
    }
  }

  private target(request: PrepareRequest): { hostName: string; transport: Transport } {
    const hostName = this.config.host === '$target' ? request.host.name : this.config.host;
    const transport = this.context.transportFor(hostName);
    if (transport.shell !== 'posix') {
      throw new ChaoslabError('OBSERVER_CONFIG', `observer ${this.name}: report-file reads POSIX hosts only (${hostName} runs PowerShell)`);
    }
    return { hostName, transport };
  }

  /** A fixed host is checked for a readable file; a `$target` report is covered by the target's own transport probe. */
  async probe(): Promise<void> {
    if (this.config.host !== '$target') await probeReadableFile(this.name, this.context, this.config.host, this.config.path);
  }

  async close(): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

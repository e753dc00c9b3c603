import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { excerpt } from '../core/redact.js';
import { TransportError } from '../core/errors.js';
import type { ShellKind } from '../quoting/shell.js';

/**
 * The Transport contract: how chaoslab runs commands on a lab host.
 * Implementations: ssh (ssh2, POSIX sh or PowerShell over OpenSSH for Windows),
 * winrm (WS-Management shell), docker-exec (dockerode). Each holds one pooled
 * connection per host, reconnects with backoff and raises TransportError with a
 * stable code (TRANSPORT_AUTH, TRANSPORT_TIMEOUT, TRANSPORT_UNREACHABLE,
 * TRANSPORT_CLOSED, TRANSPORT_QUOTA, TRANSPORT_PROTOCOL).
 */
export interface ExecOptions {
  /** Kill the command and raise TRANSPORT_TIMEOUT after this many ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * The command only reads (a check, probe, preflight or snapshot): a transport
   * may run it again after losing the host mid-command. Never set for inject,
   * revert or anything else that changes the host.
   */
  readOnly?: boolean;
}

export interface StreamOptions {
  signal: AbortSignal;
  /**
   * Yield each complete line with its `\n` or `\r\n`, and a last unterminated
   * piece without one, so the reader can count the bytes it has consumed.
   */
  keepLineEndings?: boolean;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  /** null when the command was killed by a signal and no exit code exists */
  readonly exitCode: number | null;
  readonly durationMs: number;
}

export interface Transport extends AsyncDisposable {
  /** Inventory host name. */
  readonly host: string;
  /** The shell that interprets `command` strings. */
  readonly shell: ShellKind;
  /** Runs one command to completion. A non-zero exit is a result, not an error. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Runs a long-lived command (e.g. `tail -f`) and yields its stdout line by line
   * (without line endings unless asked) until the signal aborts or the command
   * ends. Transport loss throws.
   */
  stream(command: string, options: StreamOptions): AsyncIterable<string>;
  /** Cheap liveness probe used after every attempt (management-plane check). */
  probe(options?: { timeoutMs?: number }): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** What every transport is created with, besides its host's inventory entry. */
export interface TransportContext {
  readonly resolveSecret: (ref: string) => Promise<string>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Directory the inventory was loaded from (relative paths such as known_hosts). */
  readonly baseDir: string;
}

/** A command as a timeout error names it: one line, redacted, cut short (the full command is in the command record). */
export function summarizeCommand(command: string): string {
  return excerpt(command.replace(/\s+/g, ' ').trim(), 77, () => '...');
}

/**
 * A command that ran past its timeout. The command comes first, quoted: the probe's
 * `true` at the end of the sentence read like a flag ("was killed: true").
 */
export function commandTimedOut(host: string, command: string, timeoutMs: number): TransportError {
  return new TransportError('TRANSPORT_TIMEOUT', host, `command \`${summarizeCommand(command)}\` timed out after ${timeoutMs} ms and was killed`);
}

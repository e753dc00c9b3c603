/**
 * Every error chaoslab raises on purpose is a ChaoslabError with a stable `code`.
 * Callers branch on `code`, never on message text.
 */
export type ErrorCode =
  | 'CHAOSLAB_CONFIG_INVALID'
  | 'CHAOSLAB_SCENARIO_INVALID'
  | 'CHAOSLAB_LAB_INVALID'
  | 'CHAOSLAB_USAGE'
  | 'CHAOSLAB_SECRET_UNRESOLVED'
  | 'CHAOSLAB_UNSAFE_FAULT'
  | 'CHAOSLAB_TEMPLATE_INVALID'
  | 'CHAOSLAB_JOURNAL'
  | 'CHAOSLAB_JOURNAL_UNSAFE'
  | 'CHAOSLAB_INTERRUPTED'
  | 'CHAOSLAB_HALTED'
  | 'HALT_UNAVAILABLE'
  | 'CHAOSLAB_LAB_ENGINE'
  | 'CHAOSLAB_SIGNING_KEY'
  | 'CHAOSLAB_EVIDENCE'
  /** An engine bug: an attempt asked for a phase change its transition table does not allow. */
  | 'CHAOSLAB_ILLEGAL_TRANSITION'
  | 'TRANSPORT_AUTH'
  | 'TRANSPORT_TIMEOUT'
  | 'TRANSPORT_UNREACHABLE'
  | 'TRANSPORT_CLOSED'
  | 'TRANSPORT_QUOTA'
  | 'TRANSPORT_PROTOCOL'
  | 'OBSERVER_UNAVAILABLE'
  | 'OBSERVER_CONFIG'
  | 'OBSERVER_PROTOCOL'
  | 'REPORTER_FAILED';

export class ChaoslabError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Where in a config file a problem is. Line and column are 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  /** dotted field path, e.g. `steps.inject.run` or `hosts[2].transport.port` */
  path?: string;
}

export interface ConfigIssue extends SourceLocation {
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = [issue.file, issue.line, issue.line !== undefined ? issue.column : undefined]
    .filter((part) => part !== undefined)
    .join(':');
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** One or more problems found while loading config; nothing may run when this is thrown. */
export class ConfigError extends ChaoslabError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], code: ErrorCode = 'CHAOSLAB_CONFIG_INVALID') {
    super(code, issues.map(formatIssue).join('\n'));
    this.issues = issues;
  }
}

export type TransportErrorCode = Extract<ErrorCode, `TRANSPORT_${string}`>;

export class TransportError extends ChaoslabError {
  readonly host: string;
  constructor(code: TransportErrorCode, host: string, message: string, options?: { cause?: unknown }) {
    super(code, `${host}: ${message}`, options);
    this.host = host;
  }
}

export class ObserverUnavailableError extends ChaoslabError {
  readonly observer: string;
  constructor(observer: string, message: string, options?: { cause?: unknown }) {
    super('OBSERVER_UNAVAILABLE', `observer ${observer}: ${message}`, options);
    this.observer = observer;
  }
}

export function isTransportError(error: unknown): error is TransportError {
  return error instanceof TransportError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { TransportError, type TransportErrorCode } from '../../core/errors.js';
import type { SoapFault } from './soap.js';

/** WS-Management fault codes (wsmanfault Code attribute) chaoslab reacts to. */
export const WSMAN_CODE = {
  /** The Receive waited OperationTimeout without output: ask again. */
  operationTimeout: 2150858793,
  /** The shell is gone (idle timeout, service restart): open a new one. */
  shellNotFound: 2150858843,
  /** ERROR_WSMAN_QUOTA_LIMIT and the QUOTA_MAX_SHELLS / MAX_OPERATIONS / USER / SYSTEM family. */
  quotaLimit: 2150858815,
  quotaMaxShells: 2150859173,
  quotaMaxOperations: 2150859174,
  quotaUser: 2150859175,
  quotaSystem: 2150859176,
} as const;

const QUOTA_CODES: ReadonlySet<number> = new Set([WSMAN_CODE.quotaLimit, WSMAN_CODE.quotaMaxShells, WSMAN_CODE.quotaMaxOperations, WSMAN_CODE.quotaUser, WSMAN_CODE.quotaSystem]);

export function isOperationTimeout(fault: SoapFault): boolean {
  return fault.wsmanCode === WSMAN_CODE.operationTimeout || fault.subcode === 'TimedOut';
}

export function isShellGone(fault: SoapFault): boolean {
  return fault.wsmanCode === WSMAN_CODE.shellNotFound;
}

export function isQuota(fault: SoapFault): boolean {
  return fault.subcode === 'QuotaLimit' || (fault.wsmanCode !== undefined && QUOTA_CODES.has(fault.wsmanCode));
}

/** Errors worth a fresh connection and shell: the network, not the request, failed. */
export function isRetryable(error: unknown): boolean {
  return error instanceof WinRmError && error.retryable;
}

export class WinRmError extends TransportError {
  constructor(code: TransportErrorCode, host: string, message: string, readonly retryable = false, options?: { cause?: unknown }) {
    super(code, host, message, options);
  }
}

export function faultError(host: string, action: string, fault: SoapFault): WinRmError {
  const detail = `${action}: ${fault.reason}${fault.wsmanCode ? ` (WS-Man ${fault.wsmanCode})` : ''}`;
  if (isQuota(fault)) return new WinRmError('TRANSPORT_QUOTA', host, `WinRM quota exceeded — ${detail}; raise MaxShellsPerUser / MaxConcurrentOperationsPerUser or lower concurrency`);
  if (isShellGone(fault)) return new WinRmError('TRANSPORT_CLOSED', host, `WinRM shell is gone — ${detail}`, true);
  return new WinRmError('TRANSPORT_PROTOCOL', host, `WinRM fault — ${detail}`);
}

/**
 * An HTTP reply without a SOAP body: while the WinRM service restarts, HTTP.sys
 * still owns the port and answers 503 (no listener registered) or 400 for the
 * URL, neither of them from WinRM itself. The service is coming back, so the
 * request is worth repeating over a new connection; other statuses are the
 * listener's considered answer.
 */
export function serviceReplyError(host: string, action: string, status: number, excerpt: string): WinRmError {
  const transient = status === 400 || status === 502 || status === 503 || status === 504;
  return new WinRmError(transient ? 'TRANSPORT_UNREACHABLE' : 'TRANSPORT_PROTOCOL', host, `${action}: HTTP ${status} from the WinRM listener${transient ? ' (service not ready)' : ''}: ${excerpt}`, transient);
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Maps a node:http(s) error to a typed transport error. */
export function networkError(host: string, error: unknown): WinRmError {
  if (error instanceof WinRmError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = (error as Error).message ?? String(error);
  if (code.startsWith('ERR_TLS') || /certificate|self.signed|SSL/i.test(message) || code.startsWith('CERT_') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') {
    return new WinRmError('TRANSPORT_PROTOCOL', host, `TLS to the WinRM listener failed: ${message} (set transport.ca to the listener's CA, or insecure_tls: true in a lab)`, false, { cause: error });
  }
  if (UNREACHABLE.has(code) || /socket hang up/i.test(message)) {
    return new WinRmError('TRANSPORT_UNREACHABLE', host, `WinRM connection failed: ${message}`, true, { cause: error });
  }
  return new WinRmError('TRANSPORT_UNREACHABLE', host, `WinRM request failed: ${message}`, true, { cause: error });
}

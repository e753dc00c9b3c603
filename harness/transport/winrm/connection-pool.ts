import { WinRmConnection, type EndpointOptions, type HttpReply } from './connection.js';
import { isRetryable, WinRmError } from './errors.js';

/**
 * Up to `size` authenticated keep-alive connections to one listener, one
 * request in flight on each. A Receive is held by the server until output
 * arrives or OperationTimeout passes, so one socket shared by every command
 * makes each command wait for the others' Receives; with a pool a command in
 * flight has its own socket and the rest go on. NTLM authenticates a socket,
 * so each connection pays one handshake, once.
 *
 * A connection whose request failed on the network is closed and forgotten:
 * the next request opens a fresh one (the old socket may be half-dead).
 */
export class ConnectionPool {
  private readonly idle: WinRmConnection[] = [];
  private readonly busy = new Set<WinRmConnection>();
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  /** Most requests in flight at once (evidence for the bench). */
  peakInFlight = 0;

  constructor(private readonly options: EndpointOptions, readonly size: number) {}

  async post(xml: string, timeoutMs: number, signal?: AbortSignal): Promise<HttpReply> {
    const connection = await this.acquire(signal);
    let healthy = true;
    try {
      return await connection.post(xml, timeoutMs, signal);
    } catch (error) {
      healthy = !isRetryable(error) && !(error instanceof WinRmError && error.code === 'TRANSPORT_TIMEOUT');
      throw error;
    } finally {
      this.release(connection, healthy);
    }
  }

  /** Closes every connection, in use or not (their requests fail with TRANSPORT_CLOSED or a network error). */
  close(): void {
    this.closed = true;
    for (const connection of [...this.idle.splice(0), ...this.busy]) connection.close();
    this.busy.clear();
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Forgets idle connections (after a service restart their NTLM sessions are void). */
  dropIdle(): void {
    for (const connection of this.idle.splice(0)) connection.close();
  }

  private async acquire(signal?: AbortSignal): Promise<WinRmConnection> {
    for (;;) {
      if (this.closed) throw new WinRmError('TRANSPORT_CLOSED', this.options.host, 'WinRM connection is closed');
      signal?.throwIfAborted();
      const connection = this.idle.pop() ?? (this.busy.size < this.size ? new WinRmConnection(this.options) : undefined);
      if (connection) {
        this.busy.add(connection);
        this.peakInFlight = Math.max(this.peakInFlight, this.busy.size);
        return connection;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          const at = this.waiting.indexOf(wake);
          if (at >= 0) this.waiting.splice(at, 1);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.waiting.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private release(connection: WinRmConnection, healthy: boolean): void {
    if (!this.busy.delete(connection)) return;
    if (healthy && !this.closed) this.idle.push(connection);
    else connection.close();
    this.waiting.shift()?.();
  }
}

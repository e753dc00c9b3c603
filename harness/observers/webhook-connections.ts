import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How many connections the webhook keeps at once. A full table does not turn
 * newcomers away (node's `maxConnections` does, which let 64 idle connections
 * from any local user make every real signed post fail): it closes the connection
 * that has been idle longest, one with no request in progress. All clients of a
 * loopback listener come from 127.0.0.1 and their user cannot be seen portably, so
 * "per client" is "per connection": a client that only holds connections open
 * loses them to the next one that has something to send.
 */
export const MAX_WEBHOOK_CONNECTIONS = 64;

/** Tracks which connections are between requests, oldest first, and evicts from the front. */
export class ConnectionTable {
  /** Idle connections in the order they became idle (a Set keeps insertion order). */
  private readonly idle = new Set<Socket>();
  private readonly all = new Set<Socket>();

  constructor(private readonly limit = MAX_WEBHOOK_CONNECTIONS) {}

  /** Installs the table on a server: call before it listens. */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.on('request', (req, res) => {
      const socket = req.socket;
      this.idle.delete(socket);
      res.once('finish', () => {
        if (this.all.has(socket) && !socket.destroyed) this.idle.add(socket);
      });
    });
  }

  get size(): number {
    return this.all.size;
  }

  private admit(socket: Socket): void {
    this.all.add(socket);
    this.idle.add(socket);
    socket.once('close', () => {
      this.all.delete(socket);
      this.idle.delete(socket);
    });
    if (this.all.size <= this.limit) return;
    // the oldest idle connection makes room; the newcomer is idle too, so it is last in line
    const evicted = this.idle.values().next().value as Socket;
    this.all.delete(evicted);
    this.idle.delete(evicted);
    evicted.destroy();
  }
}

import { Client, type ConnectConfig } from 'ssh2';
import { TransportError } from '../core/errors.js';
import { fingerprint, hostKeyAlgorithms, type PinnedKeys } from './ssh-known-hosts.js';

/** Everything needed to open one SSH connection, secrets already resolved. */
export interface SshEndpoint {
  /** Inventory host name, for error messages. */
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey?: string;
  readonly passphrase?: string;
  readonly password?: string;
  readonly hostKey: { readonly kind: 'pinned'; readonly keys: PinnedKeys; readonly source: string } | { readonly kind: 'insecure' };
  readonly keepaliveMs: number;
  /** Unanswered keepalives after which the connection is dropped as lost. */
  readonly keepaliveCountMax: number;
  readonly connectTimeoutMs: number;
}

/**
 * Connects and authenticates, or fails with a TransportError whose code says
 * whether retrying could help (TRANSPORT_UNREACHABLE) or not (TRANSPORT_AUTH,
 * TRANSPORT_PROTOCOL). The returned client always has an error listener: a late
 * socket error must never crash the process; the owner watches 'close'.
 */
export function openSshConnection(endpoint: SshEndpoint): Promise<Client> {
  const client = new Client();
  let rejectedHostKey: Buffer | undefined;
  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error & { level?: string; code?: string }) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(classifyConnectError(endpoint, error, rejectedHostKey));
    };
    // Errors after 'ready' surface as 'close' to the owner; this listener keeps them from crashing the process.
    client.on('error', fail);
    client.once('close', () => fail(Object.assign(new Error('connection closed during set-up'), { level: 'client-socket' })));
    client.once('ready', () => {
      settled = true;
      resolve(client);
    });
    const config: ConnectConfig = {
      host: endpoint.address,
      port: endpoint.port,
      username: endpoint.user,
      readyTimeout: endpoint.connectTimeoutMs,
      keepaliveInterval: endpoint.keepaliveMs,
      keepaliveCountMax: endpoint.keepaliveCountMax,
      ...(endpoint.privateKey !== undefined && { privateKey: endpoint.privateKey }),
      ...(endpoint.passphrase !== undefined && { passphrase: endpoint.passphrase }),
      ...(endpoint.password !== undefined && { password: endpoint.password }),
    };
    const pin = endpoint.hostKey;
    if (pin.kind === 'pinned') {
      config.algorithms = { serverHostKey: hostKeyAlgorithms(pin.keys.accepted.map((k) => k.keyType)) as never };
      config.hostVerifier = (key: Buffer) => {
        const accepted = pin.keys.accepted.some((k) => k.key.equals(key)) && !pin.keys.revoked.some((k) => k.equals(key));
        if (!accepted) rejectedHostKey = key;
        return accepted;
      };
    }
    try {
      client.connect(config);
    } catch (error) {
      // ssh2 validates the key material synchronously.
      settled = true;
      reject(new TransportError('TRANSPORT_AUTH', endpoint.host, `cannot use the configured credentials: ${(error as Error).message}`, { cause: error }));
    }
  });
}

const UNREACHABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

function classifyConnectError(endpoint: SshEndpoint, error: Error & { level?: string; code?: string }, rejectedHostKey: Buffer | undefined): TransportError {
  const where = `${endpoint.address}:${endpoint.port}`;
  if (rejectedHostKey && endpoint.hostKey.kind === 'pinned') {
    return new TransportError(
      'TRANSPORT_AUTH',
      endpoint.host,
      `host key of ${where} does not match ${endpoint.hostKey.source} (server presented ${fingerprint(rejectedHostKey)})`,
      { cause: error },
    );
  }
  switch (error.level) {
    case 'client-authentication':
      return new TransportError('TRANSPORT_AUTH', endpoint.host, `authentication failed for user ${endpoint.user} at ${where}: ${error.message}`, { cause: error });
    case 'client-timeout':
      return new TransportError('TRANSPORT_UNREACHABLE', endpoint.host, `no SSH handshake with ${where} within ${endpoint.connectTimeoutMs} ms`, { cause: error });
    case 'client-socket':
    case 'client-dns':
      if (!error.code || UNREACHABLE_SOCKET_CODES.has(error.code)) {
        return new TransportError('TRANSPORT_UNREACHABLE', endpoint.host, `cannot reach ${where}: ${error.code ?? error.message}`, { cause: error });
      }
      break;
    default:
      if (/Connection lost before handshake/.test(error.message)) {
        return new TransportError('TRANSPORT_UNREACHABLE', endpoint.host, `${where} closed the connection before the SSH handshake`, { cause: error });
      }
  }
  return new TransportError('TRANSPORT_PROTOCOL', endpoint.host, `SSH connection to ${where} failed: ${error.message}`, { cause: error });
}

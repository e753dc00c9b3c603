import http from 'node:http';
import https from 'node:https';
import { TLSSocket } from 'node:tls';
import { channelBindingsHash } from './channel-binding.js';
import { ENCRYPTED_CONTENT_TYPE, isEncrypted, sealBody, unsealBody } from './encryption.js';
import { networkError, WinRmError } from './errors.js';
import { kerberosHandshake, ntlmDeniedError, type KerberosLogin } from './kerberos.js';
import { authenticateMessage, negotiateMessage, parseChallenge, splitAccount } from './ntlm.js';
import type { NtlmSessionSecurity } from './ntlm-crypto.js';

export interface EndpointOptions {
  /** Inventory host name, for error messages. */
  readonly host: string;
  readonly url: URL;
  readonly auth: 'basic' | 'ntlm' | 'kerberos';
  /** auth: kerberos — where the ticket comes from and the listener's SPN. */
  readonly kerberos?: KerberosLogin;
  readonly user: string;
  readonly password: string;
  /** Seal every message with the NTLM session (plain HTTP + NTLM). */
  readonly encrypt: boolean;
  readonly ca?: string | Buffer;
  readonly insecureTls: boolean;
  readonly connectTimeoutMs: number;
}

export interface HttpReply {
  readonly status: number;
  readonly body: string;
}

interface RawReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** DER of the listener's TLS certificate (HTTPS only), for channel binding. */
  readonly certificate?: Buffer;
}

/**
 * One keep-alive HTTP(S) connection to a WinRM listener. NTLM authenticates a
 * connection, not a request, so requests on it are strictly sequential and a
 * 401 (the server closed the socket and a new one was opened) re-runs the
 * handshake once.
 */
export class WinRmConnection {
  private readonly agent: http.Agent;
  private security: NtlmSessionSecurity | undefined;
  private authenticated = false;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: EndpointOptions) {
    const common = { keepAlive: true, maxSockets: 1, maxFreeSockets: 1 };
    this.agent =
      options.url.protocol === 'https:'
        ? new https.Agent({ ...common, rejectUnauthorized: !options.insecureTls, ...(options.ca !== undefined && { ca: options.ca }) })
        : new http.Agent(common);
  }

  /** POSTs one SOAP envelope; resolves with the (decrypted) reply whatever its status. */
  post(xml: string, timeoutMs: number, signal?: AbortSignal): Promise<HttpReply> {
    const run = this.queue.then(() => this.send(xml, timeoutMs, signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  private async send(xml: string, timeoutMs: number, signal?: AbortSignal): Promise<HttpReply> {
    if (this.closed) throw new WinRmError('TRANSPORT_CLOSED', this.options.host, 'WinRM connection is closed');
    for (let attempt = 0; ; attempt += 1) {
      if (this.options.auth !== 'basic' && !this.authenticated) await this.authenticate(timeoutMs, signal);
      let reply: RawReply;
      try {
        reply = await this.request(this.encode(xml), timeoutMs, signal);
      } catch (error) {
        // The socket may be gone with its NTLM session: authenticate again next time.
        this.authenticated = false;
        throw error;
      }
      if (reply.status === 401) {
        this.authenticated = false;
        if (this.options.auth !== 'basic' && attempt === 0) continue;
        throw this.authError();
      }
      return { status: reply.status, body: this.decode(reply).toString('utf8') };
    }
  }

  private encode(xml: string): { body: Buffer; contentType: string } {
    const plain = Buffer.from(xml, 'utf8');
    if (!this.options.encrypt) return { body: plain, contentType: 'application/soap+xml;charset=UTF-8' };
    return { body: sealBody(this.security!, plain), contentType: ENCRYPTED_CONTENT_TYPE };
  }

  private decode(reply: RawReply): Buffer {
    if (!this.options.encrypt || !isEncrypted(reply.headers['content-type'])) return reply.body;
    try {
      return unsealBody(this.security!, reply.body);
    } catch (error) {
      throw new WinRmError('TRANSPORT_PROTOCOL', this.options.host, `cannot decrypt the WinRM reply: ${(error as Error).message}`);
    }
  }

  /** The auth-selection point: connection-based logins (NTLM, Kerberos), each with an empty body. */
  private async authenticate(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.options.auth === 'kerberos') {
      const empty = { body: Buffer.alloc(0), contentType: 'application/soap+xml;charset=UTF-8' };
      await kerberosHandshake(this.options.host, this.options.kerberos!, async (authorization) => {
        const reply = await this.request(empty, timeoutMs, signal, authorization);
        return { status: reply.status, wwwAuthenticate: [reply.headers['www-authenticate'] ?? ''].flat().join(', ') };
      });
      this.authenticated = true;
      return;
    }
    await this.handshake(timeoutMs, signal);
  }

  /** NEGOTIATE → CHALLENGE → AUTHENTICATE on this connection, with empty bodies (as pywinrm does). */
  private async handshake(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const negotiate = negotiateMessage();
    const empty = { body: Buffer.alloc(0), contentType: 'application/soap+xml;charset=UTF-8' };
    const first = await this.request(empty, timeoutMs, signal, `Negotiate ${negotiate.toString('base64')}`);
    const offered = [first.headers['www-authenticate'] ?? ''].flat().join(',');
    const token = /(?:Negotiate|NTLM)\s+([A-Za-z0-9+/=]+)/i.exec(offered)?.[1];
    // Anything but a 401 is not the listener judging the login: a restarting service (HTTP.sys 503/400), worth a retry.
    if (first.status !== 401) throw this.notReady('negotiation', first.status);
    if (!token) {
      const denied = ntlmDeniedError(this.options.host, first.status, offered);
      if (denied) throw denied;
      throw new WinRmError('TRANSPORT_AUTH', this.options.host, `the WinRM listener did not answer the NTLM negotiation (HTTP ${first.status}, WWW-Authenticate: ${offered || 'none'}); is Negotiate authentication enabled?`);
    }
    let authenticate: ReturnType<typeof authenticateMessage>;
    try {
      authenticate = authenticateMessage(negotiate, parseChallenge(Buffer.from(token, 'base64')), splitAccount(this.options.user, this.options.password), {
        ...(first.certificate && { channelBindings: channelBindingsHash(first.certificate) }),
      });
    } catch (error) {
      throw new WinRmError('TRANSPORT_PROTOCOL', this.options.host, `cannot answer the NTLM challenge: ${(error as Error).message}`);
    }
    const { message, security } = authenticate;
    const final = await this.request(empty, timeoutMs, signal, `Negotiate ${message.toString('base64')}`);
    if (final.status === 401) throw this.authError();
    if (final.status >= 400) throw this.notReady('authentication', final.status);
    this.security = security;
    this.authenticated = true;
  }

  private notReady(step: string, status: number): WinRmError {
    this.authenticated = false;
    return new WinRmError('TRANSPORT_UNREACHABLE', this.options.host, `the WinRM listener answered the NTLM ${step} with HTTP ${status} (service not ready)`, true);
  }

  private authError(): WinRmError {
    return new WinRmError('TRANSPORT_AUTH', this.options.host, `WinRM ${this.options.auth} authentication of ${this.options.user} was refused (wrong password, or the account may not use WinRM)`);
  }

  private request(payload: { body: Buffer; contentType: string }, timeoutMs: number, signal?: AbortSignal, authorization?: string): Promise<RawReply> {
    const { url, host } = this.options;
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': payload.contentType,
      'Content-Length': payload.body.length,
      'User-Agent': 'chaoslab WinRM client',
    };
    if (authorization) headers.Authorization = authorization;
    else if (this.options.auth === 'basic') headers.Authorization = `Basic ${Buffer.from(`${this.options.user}:${this.options.password}`).toString('base64')}`;
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<RawReply>((resolve, reject) => {
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        request.destroy();
        reject(error instanceof WinRmError ? error : networkError(host, error));
      };
      const request = send(url, { method: 'POST', agent: this.agent, headers }, (response) => {
        // Read while the socket is surely ours: a keep-alive socket returns to the pool after 'end'.
        const certificate = response.socket instanceof TLSSocket ? response.socket.getPeerCertificate(true)?.raw : undefined;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', fail);
        response.on('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), ...(certificate && { certificate }) });
        });
      });
      const timer = setTimeout(() => fail(new WinRmError('TRANSPORT_TIMEOUT', host, `no WinRM reply within ${Math.round(timeoutMs)}ms`)), timeoutMs);
      const connectTimer = setTimeout(() => fail(new WinRmError('TRANSPORT_UNREACHABLE', host, `no connection to ${url.host} within ${this.options.connectTimeoutMs}ms`, true)), this.options.connectTimeoutMs);
      request.on('socket', (socket) => {
        if (!socket.connecting) clearTimeout(connectTimer);
        else socket.once('connect', () => clearTimeout(connectTimer));
      });
      const onAbort = () => fail(new WinRmError('TRANSPORT_TIMEOUT', host, 'WinRM request aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        clearTimeout(connectTimer);
        signal?.removeEventListener('abort', onAbort);
      };
      request.on('error', fail);
      if (signal?.aborted) return onAbort();
      request.end(payload.body);
    });
  }
}

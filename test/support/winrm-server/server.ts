import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { channelBindingsHash } from '../../../harness/transport/winrm/channel-binding.js';
import { ENCRYPTED_CONTENT_TYPE, isEncrypted, sealBody, unsealBody } from '../../../harness/transport/winrm/encryption.js';
import type { NtlmSessionSecurity } from '../../../harness/transport/winrm/ntlm-crypto.js';
import { NtlmAcceptor } from './ntlm-acceptor.js';
import { isNtlmToken, KerberosAcceptor } from './kerberos-acceptor.js';
import type { CostModel } from './cost-model.js';
import { dispatch, machineModel, type MachineModel, type ServerStats } from './dispatch.js';
import { FAULTS, reply } from './replies.js';
import { ShellHost, type ScriptRule } from './shell-host.js';

export interface WinRmTestServerOptions {
  readonly auth: 'basic' | 'ntlm' | 'kerberos';
  /** auth: kerberos — the listener's service (HTTP@host) and the keytab holding its key. NTLM is then denied, as by policy. */
  readonly kerberos?: { readonly service: string; readonly keytab: string; /** An impostor: accept without sending the AP-REP. */ readonly omitApRep?: boolean };
  readonly tls?: boolean;
  readonly user: string;
  readonly password: string;
  readonly rules?: ScriptRule[];
  /** Shells one user may hold at once (Windows: MaxShellsPerUser); more → quota fault. */
  readonly maxShells?: number;
  /** CbtHardeningLevel=Strict (HTTPS + NTLM): logins must carry this certificate's channel binding. */
  readonly requireChannelBinding?: boolean;
  /** What %TEMP% expands to in cmd.exe command lines (default: a domain account's profile Temp). */
  readonly temp?: string;
  /** The machine's CPU (cost-model.ts): commands then take the time their processes and scripts cost it. */
  readonly cost?: CostModel;
  /** PowerShell runs in ConstrainedLanguage (AppLocker/WDAC): the persistent host refuses to start. */
  readonly constrainedLanguage?: boolean;
  /** WinRS IdleTimeout in ms (Windows default 7 200 000): idle shells are deleted. */
  readonly idleTimeoutMs?: number;
  /** MaxConcurrentOperationsPerUser (Windows default 1500): requests in progress at once beyond it get the quota fault. */
  readonly maxOperations?: number;
}

/** How a WinRM service restart looks from the network, phase by phase (restartService). */
export interface RestartPhases {
  /** Nothing listens: connections are refused. */
  readonly refusedMs: number;
  /** HTTP.sys answers 503 (no WinRM listener registered yet), not SOAP. */
  readonly unavailableMs: number;
  /** HTTP.sys answers 400, not SOAP. */
  readonly badRequestMs: number;
}

/** About 20 s, as a service restart on a loaded small VM takes (scale it down in tests). */
export const DEFAULT_RESTART: RestartPhases = { refusedMs: 6000, unavailableMs: 10_000, badRequestMs: 4000 };

interface ConnectionState {
  acceptor?: NtlmAcceptor;
  /** The AP-REP to send with the reply to the Kerberos-authenticated request. */
  mutualToken?: string;
  security?: NtlmSessionSecurity;
  authenticated: boolean;
}

export interface LoginRecord {
  readonly user: string;
  readonly domain: string;
  readonly micVerified: boolean;
  readonly channelBinding: 'verified' | 'absent';
}

/**
 * A WinRM listener for tests (there is no Windows host here): WS-Management
 * shell operations over HTTP or HTTPS on 127.0.0.1, Basic or NTLM (NTLMv2
 * verified against the known password; message encryption over plain HTTP),
 * recording every script and replying as the rules say. Its fidelity is
 * checked by driving it with pywinrm (test/integration/winrm-pywinrm.test.ts).
 */
export class WinRmTestServer implements AsyncDisposable {
  readonly host: ShellHost;
  readonly logins: LoginRecord[] = [];
  /** Client principals of accepted Kerberos logins. */
  readonly kerberosLogins: string[] = [];
  readonly stats: ServerStats = { requests: 0, operationTimeouts: 0, drops: 0, encryptedMessages: 0, plainMessages: 0 };
  readonly machine: MachineModel;
  /** Service restarts so far and the requests answered with a non-SOAP error during them. */
  readonly restarts = { count: 0, refusedWhileDown: 0, nonSoapReplies: 0 };
  private phase: 'up' | 'unavailable' | 'bad_request' = 'up';
  private inFlight = 0;
  /** PEM of the self-signed certificate when `tls` is on (clients pin it as their CA). */
  certificate: string | undefined;
  private channelBindings: Buffer | undefined;
  private server!: http.Server;
  private readonly states = new WeakMap<Socket, ConnectionState>();
  private readonly sockets = new Set<Socket>();

  private constructor(readonly options: WinRmTestServerOptions) {
    this.host = new ShellHost(options.rules ?? [], options.temp);
    this.machine = machineModel({
      ...(options.cost && { cost: options.cost }),
      ...(options.constrainedLanguage && { constrainedLanguage: true }),
      ...(options.idleTimeoutMs !== undefined && { idleTimeoutMs: options.idleTimeoutMs }),
    });
  }

  /**
   * Restarts the modelled WinRM service: every connection closes and nothing
   * listens, then HTTP.sys answers 503 and then 400 without SOAP, then the
   * service is back — with none of the old shells (their processes died).
   * Resolves once it is back.
   */
  async restartService(phases: RestartPhases = DEFAULT_RESTART): Promise<void> {
    this.restarts.count += 1;
    const port = this.port;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.dropConnections();
    });
    for (const running of this.machine.hosts.values()) running.terminate();
    this.machine.hosts.clear();
    this.host.shells.clear();
    this.machine.lastUsed.clear();
    await new Promise((resolve) => setTimeout(resolve, phases.refusedMs));
    this.phase = 'unavailable';
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => setTimeout(resolve, phases.unavailableMs));
    this.phase = 'bad_request';
    this.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, phases.badRequestMs));
    this.phase = 'up';
    this.dropConnections();
  }

  static async start(options: WinRmTestServerOptions): Promise<WinRmTestServer> {
    const instance = new WinRmTestServer(options);
    await instance.listen();
    return instance;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.port}/wsman`;
  }

  /** Closes every open connection (as a restarting WinRM service would). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async listen(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`test server error: ${error.message}`);
      });
    };
    if (this.options.tls) {
      const { key, cert } = selfSignedCertificate();
      this.certificate = cert;
      this.channelBindings = channelBindingsHash(new X509Certificate(cert).raw);
      this.server = https.createServer({ key, cert }, handler);
    } else {
      this.server = http.createServer(handler);
    }
    this.server.keepAliveTimeout = 30_000;
    this.server.on(this.options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    this.stats.requests += 1;
    if (this.phase !== 'up') {
      this.restarts.nonSoapReplies += 1;
      const [status, text] = this.phase === 'unavailable' ? [503, 'Service Unavailable'] : [400, 'Bad Request'];
      return void res.writeHead(status, { 'Content-Type': 'text/html; charset=us-ascii', Connection: 'close' }).end(`<HTML><HEAD><TITLE>${text}</TITLE></HEAD><BODY><h2>${text}</h2><hr><p>HTTP Error ${status}.</p></BODY></HTML>`);
    }
    const state = this.states.get(req.socket) ?? { authenticated: false };
    this.states.set(req.socket, state);
    if (this.options.auth === 'kerberos' ? !(await this.authorizeKerberos(req, res, state)) : !this.authorize(req, res, state)) return;
    // The reply to the request that carried a Kerberos AP-REQ carries the AP-REP (mutual authentication).
    const mutual = state.mutualToken ? { 'WWW-Authenticate': `Negotiate ${state.mutualToken}` } : {};
    state.mutualToken = undefined;
    if (body.length === 0) return void res.writeHead(200, { 'Content-Length': 0, ...mutual }).end();
    const encrypted = isEncrypted(req.headers['content-type']);
    if (!encrypted && !this.options.tls && this.options.auth === 'ntlm') {
      // Windows' default AllowUnencrypted=false: plain SOAP over HTTP is refused.
      return void res.writeHead(400, { 'Content-Type': 'text/plain' }).end('unencrypted message refused over HTTP');
    }
    const xml = encrypted ? unsealBody(state.security!, body).toString('utf8') : body.toString('utf8');
    this.stats[encrypted ? 'encryptedMessages' : 'plainMessages'] += 1;
    if (this.options.maxOperations !== undefined && this.inFlight >= this.options.maxOperations) {
      const relatesTo = /<a:MessageID>([^<]*)</.exec(xml)?.[1] ?? '';
      const refusal = Buffer.from(reply('http://schemas.dmtf.org/wbem/wsman/1/wsman/fault', relatesTo, FAULTS.operationsQuota(this.options.maxOperations)), 'utf8');
      const sealed = encrypted ? sealBody(state.security!, refusal) : refusal;
      return void res.writeHead(500, { 'Content-Type': encrypted ? ENCRYPTED_CONTENT_TYPE : 'application/soap+xml;charset=UTF-8', 'Content-Length': sealed.length }).end(sealed);
    }
    this.inFlight += 1;
    const outcome = await dispatch(this.host, xml, this.url, this.options.maxShells, this.stats, this.machine).finally(() => (this.inFlight -= 1));
    if (outcome === 'drop') {
      this.stats.drops += 1;
      return void req.socket.destroy();
    }
    const payload = encrypted ? sealBody(state.security!, Buffer.from(outcome.xml, 'utf8')) : Buffer.from(outcome.xml, 'utf8');
    res.writeHead(outcome.status, {
      'Content-Type': encrypted ? ENCRYPTED_CONTENT_TYPE : 'application/soap+xml;charset=UTF-8',
      'Content-Length': payload.length,
      ...mutual,
    });
    res.end(payload);
  }

  /**
   * A listener with NTLM denied by policy: Negotiate carrying a Kerberos AP-REQ
   * is accepted with the keytab's key; an NTLM NEGOTIATE gets a bare 401 that
   * offers Negotiate and Kerberos again, with no challenge.
   */
  private async authorizeKerberos(req: http.IncomingMessage, res: http.ServerResponse, state: ConnectionState): Promise<boolean> {
    const refuse = () => {
      state.authenticated = false;
      res.writeHead(401, { 'WWW-Authenticate': ['Negotiate', 'Kerberos'], 'Content-Length': 0 }).end();
      return false;
    };
    const token = /^(?:Negotiate|Kerberos) ([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return state.authenticated || refuse();
    if (isNtlmToken(token)) return refuse();
    process.env.KRB5_KTNAME = this.options.kerberos!.keytab;
    const login = await new KerberosAcceptor(this.options.kerberos!.service).accept(token);
    if (!login) return refuse();
    this.kerberosLogins.push(login.principal);
    if (!this.options.kerberos!.omitApRep) state.mutualToken = login.reply;
    state.authenticated = true;
    return true;
  }

  /** Returns true when the request may proceed; otherwise it has answered 401. */
  private authorize(req: http.IncomingMessage, res: http.ServerResponse, state: ConnectionState): boolean {
    const header = req.headers.authorization ?? '';
    const refuse = (challenge: string) => {
      res.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Length': 0 }).end();
      return false;
    };
    if (this.options.auth === 'basic') {
      const expected = `Basic ${Buffer.from(`${this.options.user}:${this.options.password}`).toString('base64')}`;
      return header === expected ? true : refuse('Basic realm="WSMAN"');
    }
    const token = /^(?:Negotiate|NTLM) ([A-Za-z0-9+/=]+)$/i.exec(header)?.[1];
    if (token) {
      const message = Buffer.from(token, 'base64');
      if (message.readUInt32LE(8) === 1) {
        state.acceptor = new NtlmAcceptor({
          user: this.options.user,
          password: this.options.password,
          ...(this.channelBindings && { channelBindings: this.channelBindings }),
          ...(this.options.requireChannelBinding && { requireChannelBinding: true }),
        });
        state.authenticated = false;
        return refuse(`Negotiate ${state.acceptor.challengeFor(message).toString('base64')}`);
      }
      const login = state.acceptor?.accept(message);
      if (!login) {
        state.authenticated = false;
        return refuse('Negotiate');
      }
      state.security = login.security;
      state.authenticated = true;
      this.logins.push({ user: login.user, domain: login.domain, micVerified: login.micVerified, channelBinding: login.channelBinding });
      return true;
    }
    return state.authenticated ? true : refuse('Negotiate');
  }
}

/** A throwaway self-signed certificate for 127.0.0.1 (openssl is part of the base system). */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'winrm-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { createRequire } from 'node:module';
import { WinRmError } from './errors.js';
import { ensureTicket, type TicketSource } from './kerberos-tickets.js';

/** How a WinRM connection logs in with Kerberos. */
export interface KerberosLogin extends TicketSource {
  /** Service principal of the listener, `HTTP/host` (Windows registers HTTP/<fqdn> for WinRM). */
  readonly spn: string;
}

/** The part of the `kerberos` npm package (MIT GSSAPI binding) used here. */
interface GssClient {
  step(challenge: string): Promise<string>;
  contextComplete: boolean;
}
interface KerberosBinding {
  initializeClient(service: string, options: { principal?: string; mechOID?: number; gssFlag?: number }): Promise<GssClient>;
  GSS_MECH_OID_KRB5: number;
  GSS_C_MUTUAL_FLAG: number;
  GSS_C_SEQUENCE_FLAG: number;
}

let binding: KerberosBinding | undefined;

/**
 * The binding is an optional, native dependency (it compiles against
 * libkrb5-dev, which scripts/setup.sh installs): loaded on first use, so labs
 * without Kerberos never need it, and its absence is a clear error, not a crash.
 */
function loadBinding(host: string): KerberosBinding {
  if (binding) return binding;
  try {
    binding = createRequire(import.meta.url)('kerberos') as KerberosBinding;
    return binding;
  } catch (error) {
    throw new WinRmError(
      'TRANSPORT_PROTOCOL',
      host,
      `auth: kerberos needs the optional npm package "kerberos", which is not built here (${(error as Error).message.split('\n')[0]}); on Debian: apt-get install libkrb5-dev krb5-user, then bash scripts/setup.sh (or npm install kerberos)`,
    );
  }
}

/** `HTTP/host` (or `HTTP@host`) → the GSS host-based service name `HTTP@host`. */
export function hostBasedService(spn: string): string {
  const match = /^([^/@]+)[/@]([^/@]+)$/.exec(spn);
  if (!match) throw new Error(`service principal ${spn} is not service/host`);
  return `${match[1]}@${match[2]}`;
}

export interface NegotiateReply {
  readonly status: number;
  /** The WWW-Authenticate header(s), joined with ", ". */
  readonly wwwAuthenticate: string;
}

/**
 * One Kerberos login on a connection (RFC 4559 "Negotiate" with a Kerberos
 * AP-REQ, as pywinrm's Kerberos transport and Windows clients send it): the
 * ticket is fetched (kinit) if needed, the AP-REQ sent with an empty body, and
 * the listener's AP-REP checked, so a listener that cannot prove it holds the
 * service key is refused (mutual authentication).
 */
export async function kerberosHandshake(host: string, login: KerberosLogin, send: (authorization: string) => Promise<NegotiateReply>): Promise<void> {
  await ensureTicket(host, login);
  const gss = loadBinding(host);
  let client: GssClient;
  let token: string;
  try {
    client = await gss.initializeClient(hostBasedService(login.spn), {
      principal: login.principal,
      mechOID: gss.GSS_MECH_OID_KRB5,
      gssFlag: gss.GSS_C_MUTUAL_FLAG | gss.GSS_C_SEQUENCE_FLAG,
    });
    token = await client.step('');
  } catch (error) {
    throw gssError(host, login, (error as Error).message);
  }
  const reply = await send(`Negotiate ${token}`);
  if (reply.status === 401) {
    throw new WinRmError(
      'TRANSPORT_AUTH',
      host,
      `the WinRM listener refused the Kerberos ticket of ${login.principal} for ${login.spn} (the account may not use WinRM, or the listener's key for ${login.spn} is not the KDC's; WWW-Authenticate: ${reply.wwwAuthenticate || 'none'})`,
    );
  }
  if (reply.status !== 200) {
    throw new WinRmError('TRANSPORT_PROTOCOL', host, `the WinRM listener answered the Kerberos login with HTTP ${reply.status} (WWW-Authenticate: ${reply.wwwAuthenticate || 'none'})`);
  }
  const answer = /(?:Negotiate|Kerberos)\s+([A-Za-z0-9+/=]+)/i.exec(reply.wwwAuthenticate)?.[1];
  if (!answer) {
    throw new WinRmError('TRANSPORT_PROTOCOL', host, `the WinRM listener accepted the Kerberos login without proving its identity (no AP-REP): refusing it`);
  }
  try {
    await client.step(answer);
  } catch (error) {
    throw new WinRmError('TRANSPORT_PROTOCOL', host, `the WinRM listener's Kerberos reply does not verify (mutual authentication failed): ${(error as Error).message}`);
  }
  if (!client.contextComplete) throw new WinRmError('TRANSPORT_PROTOCOL', host, 'the Kerberos login did not complete after the listener\'s reply');
}

/** GSSAPI's words → a typed error. */
function gssError(host: string, login: KerberosLogin, message: string): WinRmError {
  if (/Server .*not found in Kerberos database/i.test(message)) {
    return new WinRmError('TRANSPORT_PROTOCOL', host, `the KDC knows no service ${login.spn}: set transport.kerberos.spn to the listener's SPN (Windows: HTTP/<fully qualified host name>; an IP address has none): ${message}`);
  }
  if (/Cannot contact any KDC|Cannot find KDC/i.test(message)) return new WinRmError('TRANSPORT_UNREACHABLE', host, `no Kerberos KDC answered: ${message}`, true);
  if (/No Kerberos credentials|expired|Can't find client principal/i.test(message)) {
    return new WinRmError('TRANSPORT_AUTH', host, `no valid Kerberos ticket for ${login.principal}: ${message}`);
  }
  return new WinRmError('TRANSPORT_PROTOCOL', host, `Kerberos login as ${login.principal} to ${login.spn} failed: ${message}`);
}

/**
 * An NTLM client met a listener that offers Negotiate/Kerberos but answers an
 * NTLM NEGOTIATE without a challenge: NTLM is refused there (Group Policy
 * "Network security: Restrict NTLM: Incoming NTLM traffic" = Deny all, common
 * on domain controllers). That is a configuration mismatch, not a wrong password.
 */
export function ntlmDeniedError(host: string, status: number, offered: string): WinRmError | undefined {
  if (status !== 401 || !/\b(?:Negotiate|Kerberos)\b/i.test(offered)) return undefined;
  return new WinRmError(
    'TRANSPORT_PROTOCOL',
    host,
    `the listener offers only Negotiate/Kerberos (WWW-Authenticate: ${offered}) and answered the NTLM negotiation without a challenge: NTLM is denied by policy there; set auth: kerberos with user: name@REALM (see docs/windows.md, "Kerberos")`,
  );
}

import { createRequire } from 'node:module';

interface GssServer {
  step(token: string): Promise<string>;
  contextComplete: boolean;
  username: string;
}
interface KerberosBinding {
  initializeServer(service: string): Promise<GssServer>;
}

/**
 * The listener side of a Kerberos login, as HTTP.sys runs it for WinRM: accept
 * the client's AP-REQ (from an `Authorization: Negotiate` header) with the
 * service key from a keytab, answer with the AP-REP. Real MIT GSSAPI through
 * the same `kerberos` npm package the harness uses, acceptor side; the keytab
 * comes from KRB5_KTNAME, which the server sets.
 */
export class KerberosAcceptor {
  constructor(private readonly service: string) {}

  /** The client principal and the AP-REP (base64), or undefined when the ticket does not verify. */
  async accept(token: string): Promise<{ principal: string; reply: string } | undefined> {
    const gss = createRequire(import.meta.url)('kerberos') as KerberosBinding;
    try {
      // Without the service's key in the keytab this already fails, as HTTP.sys's does.
      const server = await gss.initializeServer(this.service);
      const reply = await server.step(token);
      return server.contextComplete ? { principal: server.username, reply } : undefined;
    } catch {
      return undefined;
    }
  }
}

/** An NTLMSSP message (a client asking for NTLM), raw or inside a Negotiate header. */
export function isNtlmToken(token: string): boolean {
  return Buffer.from(token, 'base64').subarray(0, 8).toString('latin1') === 'NTLMSSP\0';
}

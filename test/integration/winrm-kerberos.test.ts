import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostSchema } from '../../harness/config/lab-schema.js';
import { systemClock } from '../../harness/core/clock.js';
import { isTransportError } from '../../harness/core/errors.js';
import { silentLogger } from '../../harness/core/logger.js';
import { transportFailureReason } from '../../harness/engine/host-exec.js';
import { createWinRmTransport } from '../../harness/transport/winrm.js';
import type { Transport } from '../../harness/transport/transport.js';
import { TestKdc } from '../support/kdc.js';
import { tempDir } from '../support/tmp.js';
import { runPywinrm } from '../support/winrm-server/pywinrm.js';
import { WinRmTestServer } from '../support/winrm-server/server.js';

/**
 * Kerberos logins through the real WinRM transport: a real MIT KDC (krb5kdc on
 * 127.0.0.1), real kinit, real GSSAPI on both sides (the `kerberos` npm
 * package), and the WinRM test listener with NTLM denied, as on a domain
 * controller whose policy restricts NTLM.
 */
const SPN = 'HTTP/winrm-test.lab.test';
const PASSWORDS: Record<string, string> = { 'env:ALICE': 'Alice-pa$$ ‘quoted’', 'env:WRONG': 'not-the-password' };

let kdc: TestKdc;
let server: WinRmTestServer;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  kdc = await TestKdc.start('LAB.TEST');
  // The harness uses the operator's Kerberos configuration, as kinit does.
  process.env.KRB5_CONFIG = kdc.krb5Config;
  await kdc.addUser('alice', PASSWORDS['env:ALICE']!);
  const keytab = await kdc.addService(SPN, 'http.keytab');
  server = await WinRmTestServer.start({
    auth: 'kerberos',
    tls: true,
    user: 'unused',
    password: 'unused',
    kerberos: { service: 'HTTP@winrm-test.lab.test', keytab },
    rules: [{ match: /Get-Service WinRM/, reply: { stdout: 'Running\r\n', exitCode: 0 } }],
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await kdc?.close();
});

afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function connect(transport: Record<string, unknown>, listener = server): Promise<Transport> {
  const dir = await tempDir('winrm-kerberos-');
  open.push({ close: () => dir[Symbol.asyncDispose]() });
  await writeFile(join(dir.path, 'listener-ca.pem'), listener.certificate!);
  const host = hostSchema.parse({
    name: 'dc01',
    platform: 'windows',
    roles: ['dc'],
    address: '127.0.0.1',
    // one command, one connection: the logins counted are the authentication's own (the persistent host would open more)
    transport: { kind: 'winrm', scheme: 'https', port: listener.port, ca: 'listener-ca.pem', auth: 'kerberos', kerberos: { spn: SPN }, execution: 'process', max_connections: 1, ...transport },
  });
  const client = createWinRmTransport(host, {
    resolveSecret: async (ref) => PASSWORDS[ref] ?? 'unknown secret',
    clock: systemClock,
    logger: silentLogger,
    baseDir: dir.path,
  });
  open.push(client);
  return client;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('the Kerberos-only test listener driven by pywinrm (an independent client used against Windows)', () => {
  it('accepts pywinrm\'s Kerberos login (requests-kerberos, mutual authentication required) and runs its commands', async () => {
    await kdc.addUser('dave', 'Dave-pass-3');
    const ccache = join(kdc.dir, 'dave.ccache');
    const env = { KRB5_CONFIG: kdc.krb5Config, KRB5CCNAME: `FILE:${ccache}` };
    execFileSync('kinit', ['dave@LAB.TEST'], { input: 'Dave-pass-3\n', env: { ...process.env, ...env } });
    const dir = await tempDir('winrm-kerberos-pywinrm-');
    open.push({ close: () => dir[Symbol.asyncDispose]() });
    await writeFile(join(dir.path, 'ca.pem'), server.certificate!);
    const before = server.kerberosLogins.length;
    const results = await runPywinrm(
      {
        endpoint: server.url,
        transport: 'kerberos',
        user: 'dave@LAB.TEST',
        password: '',
        ca_trust_path: join(dir.path, 'ca.pem'),
        kerberos_hostname_override: 'winrm-test.lab.test',
        ops: [{ kind: 'ps', script: 'Get-Service WinRM | Select -Expand Status' }],
      },
      env,
    );
    expect(results).toEqual([{ stdout: 'Running\r\n', stderr: '', status: 0 }]);
    expect(server.kerberosLogins.slice(before)).toEqual(['dave@LAB.TEST']);
  });
});

describe('WinRM over HTTPS with Kerberos against a real MIT KDC', () => {
  it('logs in with a password (kinit) and runs a command; a dropped connection logs in again', async () => {
    const before = server.kerberosLogins.length;
    const transport = await connect({ user: 'alice@LAB.TEST', password: 'env:ALICE' });
    expect(await transport.exec('Get-Service WinRM | Select-Object -Expand Status')).toMatchObject({ stdout: 'Running\r\n', exitCode: 0 });
    expect(server.kerberosLogins.slice(before)).toEqual(['alice@LAB.TEST']);
    expect(server.logins).toEqual([]);
    server.dropConnections();
    expect(await transport.exec('Get-Service WinRM')).toMatchObject({ stdout: 'Running\r\n' });
    expect(server.kerberosLogins.slice(before)).toEqual(['alice@LAB.TEST', 'alice@LAB.TEST']);
  });

  it('logs in with a client keytab, and with an existing credential cache', async () => {
    await kdc.addUser('bob', 'Bob-initial-1');
    const keytab = await kdc.userKeytab('bob@LAB.TEST', 'bob.keytab');
    await kdc.addUser('carol', 'Carol-pass-2');
    const ccache = join(kdc.dir, 'carol.ccache');
    execFileSync('kinit', ['-c', `FILE:${ccache}`, 'carol@LAB.TEST'], { input: 'Carol-pass-2\n', env: { ...process.env, KRB5_CONFIG: kdc.krb5Config } });
    const before = server.kerberosLogins.length;
    const bob = await connect({ user: 'bob@LAB.TEST', kerberos: { spn: SPN, keytab } });
    const carol = await connect({ user: 'carol@LAB.TEST', kerberos: { spn: SPN, ccache: `FILE:${ccache}` } });
    expect((await bob.exec('Get-Service WinRM')).stdout).toBe('Running\r\n');
    expect((await carol.exec('Get-Service WinRM')).stdout).toBe('Running\r\n');
    expect(server.kerberosLogins.slice(before)).toEqual(['bob@LAB.TEST', 'carol@LAB.TEST']);
  });

  it('a wrong password is refused credentials (the KDC says so), not a lab failure', async () => {
    const transport = await connect({ user: 'alice@LAB.TEST', password: 'env:WRONG' });
    const error = await failure(transport.exec('Get-Service WinRM'));
    expect(isTransportError(error) && error.code).toBe('TRANSPORT_AUTH');
    expect(error.message).toMatch(/KDC refused the credentials of alice@LAB\.TEST .*Password incorrect/);
    expect(transportFailureReason(error)).toBe('credentials_refused');
  });

  it('an SPN the KDC does not know is named, with the field to set', async () => {
    const transport = await connect({ user: 'alice@LAB.TEST', password: 'env:ALICE', kerberos: { spn: 'HTTP/127.0.0.1' } });
    const error = await failure(transport.exec('Get-Service WinRM'));
    expect(error.message).toMatch(/the KDC knows no service HTTP\/127\.0\.0\.1: set transport\.kerberos\.spn/);
    expect(transportFailureReason(error)).toBe('transport_lost');
  });

  it('a listener without the key of its SPN refuses the ticket: the login is refused, with the reasons to check', async () => {
    const wrongKey = await kdc.addService('HTTP/other.lab.test', 'other.keytab');
    const stale = await WinRmTestServer.start({ auth: 'kerberos', tls: true, user: 'unused', password: 'unused', kerberos: { service: 'HTTP@winrm-test.lab.test', keytab: wrongKey } });
    open.push(stale);
    const transport = await connect({ user: 'alice@LAB.TEST', password: 'env:ALICE' }, stale);
    const error = await failure(transport.exec('Get-Service WinRM'));
    expect(error.message).toMatch(/the WinRM listener refused the Kerberos ticket of alice@LAB\.TEST for HTTP\/winrm-test\.lab\.test/);
    expect(transportFailureReason(error)).toBe('credentials_refused');
    expect(stale.kerberosLogins).toEqual([]);
  });

  it('a listener that lets the login in without its AP-REP is refused (mutual authentication)', async () => {
    const keytab = join(kdc.dir, 'http.keytab');
    const impostor = await WinRmTestServer.start({ auth: 'kerberos', tls: true, user: 'unused', password: 'unused', kerberos: { service: 'HTTP@winrm-test.lab.test', keytab, omitApRep: true } });
    open.push(impostor);
    const transport = await connect({ user: 'alice@LAB.TEST', password: 'env:ALICE' }, impostor);
    const error = await failure(transport.exec('Get-Service WinRM'));
    expect(error.message).toMatch(/accepted the Kerberos login without proving its identity \(no AP-REP\): refusing it/);
    expect(impostor.host.scripts()).toEqual([]);
  });

  it('an NTLM client against the Kerberos-only listener is told NTLM is denied and to set auth: kerberos, not "wrong password"', async () => {
    const transport = await connect({ auth: 'ntlm', user: 'LAB\\alice', password: 'env:ALICE', kerberos: undefined });
    const error = await failure(transport.exec('Get-Service WinRM'));
    expect(error.message).toMatch(/the listener offers only Negotiate\/Kerberos \(WWW-Authenticate: Negotiate, ?Kerberos\).*NTLM is denied by policy there; set auth: kerberos/);
    expect(error.message).not.toMatch(/wrong password/);
    expect(isTransportError(error) && error.code).toBe('TRANSPORT_PROTOCOL');
    expect(transportFailureReason(error)).not.toBe('credentials_refused');
  });
});

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { freePort } from './ports.js';

const run = promisify(execFile);

export interface KdcAccount {
  readonly principal: string;
  readonly password: string;
}

/**
 * A real MIT Kerberos KDC (Debian's krb5-kdc) for one realm on 127.0.0.1 and a
 * free port, everything in a temp folder: krb5.conf, kdc.conf, the database,
 * the stash and the keytab of the HTTP service. Nothing system-wide is read or
 * changed: the KDC and the programs it runs get KRB5_CONFIG and
 * KRB5_KDC_PROFILE; `env` is what a client in this process must use.
 */
export class TestKdc implements AsyncDisposable {
  private constructor(
    readonly realm: string,
    readonly dir: string,
    readonly port: number,
    private readonly process: ChildProcess,
  ) {}

  /** KRB5_CONFIG of this realm (set it in process.env before a GSSAPI call). */
  get krb5Config(): string {
    return join(this.dir, 'krb5.conf');
  }

  static async start(realm = 'LAB.TEST'): Promise<TestKdc> {
    const dir = await mkdtemp(join(tmpdir(), 'chaoslab-kdc-'));
    const port = await freePort();
    // No DNS: the realm is named, the KDC addressed by IP, host names taken as given.
    await writeFile(
      join(dir, 'krb5.conf'),
      `[libdefaults]\n  default_realm = ${realm}\n  dns_lookup_kdc = false\n  dns_lookup_realm = false\n  dns_canonicalize_hostname = false\n  rdns = false\n  udp_preference_limit = 1\n` +
        `[realms]\n  ${realm} = {\n    kdc = 127.0.0.1:${port}\n  }\n`,
    );
    await writeFile(
      join(dir, 'kdc.conf'),
      `[kdcdefaults]\n  kdc_ports = ${port}\n  kdc_tcp_ports = ${port}\n  kdc_listen = 127.0.0.1\n  kdc_tcp_listen = 127.0.0.1\n` +
        `[realms]\n  ${realm} = {\n    database_name = ${join(dir, 'principal')}\n    key_stash_file = ${join(dir, 'stash')}\n    acl_file = ${join(dir, 'kadm5.acl')}\n    kdc_listen = 127.0.0.1:${port}\n    kdc_tcp_listen = 127.0.0.1:${port}\n  }\n` +
        `[logging]\n  kdc = FILE:${join(dir, 'kdc.log')}\n`,
    );
    await writeFile(join(dir, 'kadm5.acl'), '');
    const env = kdcEnv(dir);
    await run('kdb5_util', ['create', '-s', '-r', realm, '-P', 'chaoslab-test-master-key'], { env });
    const child = spawn('krb5kdc', ['-n', '-r', realm, '-P', join(dir, 'kdc.pid')], { env, stdio: 'ignore' });
    const kdc = new TestKdc(realm, dir, port, child);
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = `krb5kdc exited (${code ?? signal}) before listening; see ${join(dir, 'kdc.log')}`));
    const outcome = await waitFor(async () => (exited ? 'exited' : (await listening(port)) ? 'listening' : undefined), {
      clock: systemClock,
      timeoutMs: 20_000,
      intervalMs: 50,
      description: `krb5kdc on 127.0.0.1:${port}`,
    });
    if (outcome === 'exited') throw new Error(exited);
    return kdc;
  }

  /** Adds a user principal with a password. */
  async addUser(name: string, password: string): Promise<KdcAccount> {
    if (/["\\]/.test(password)) throw new Error('kadmin queries cannot carry " or \\ in a password');
    await this.kadmin(`addprinc -pw "${password}" ${name}@${this.realm}`, 'created');
    return { principal: `${name}@${this.realm}`, password };
  }

  /** Adds a service principal with a random key and writes its keytab; returns the keytab's path. */
  async addService(principal: string, keytabName: string): Promise<string> {
    const keytab = join(this.dir, keytabName);
    await this.kadmin(`addprinc -randkey ${principal}@${this.realm}`, 'created');
    await this.kadmin(`ktadd -k ${keytab} ${principal}@${this.realm}`, 'added to keytab');
    return keytab;
  }

  /** Writes a keytab for an existing user principal (the key is randomised, so the password stops working). */
  async userKeytab(principal: string, keytabName: string): Promise<string> {
    const keytab = join(this.dir, keytabName);
    await this.kadmin(`ktadd -k ${keytab} ${principal}`, 'added to keytab');
    return keytab;
  }

  async close(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      const exited = new Promise((resolve) => this.process.once('exit', resolve));
      this.process.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** kadmin.local exits 0 even when a query fails: its output must say `expect`. */
  private async kadmin(query: string, expect: string): Promise<void> {
    const { stdout, stderr } = await run('kadmin.local', ['-r', this.realm, '-q', query], { env: kdcEnv(this.dir) });
    if (!`${stdout}${stderr}`.includes(expect)) throw new Error(`kadmin.local ${query.split(' ')[0]} failed: ${stderr.trim() || stdout.trim()}`);
  }
}

function kdcEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, KRB5_CONFIG: join(dir, 'krb5.conf'), KRB5_KDC_PROFILE: join(dir, 'kdc.conf') };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

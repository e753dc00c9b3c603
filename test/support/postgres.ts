import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { freePort } from './ports.js';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';

/**
 * A real PostgreSQL 15 (Debian's packages) in a temp directory, listening on
 * 127.0.0.1 with a random port and on a unix socket in that directory. We run
 * as root, and postgres refuses root, so initdb and the server run as the
 * `postgres` OS user (spawn's uid/gid) on a directory it owns. Password auth over TCP (so a
 * wrong password can be tested), trust on the socket.
 */
export interface PostgresFixture extends AsyncDisposable {
  readonly port: number;
  readonly password: string;
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly dir: string;
  /** A client on the fixture (closed by the caller). */
  client(): Promise<pg.Client>;
  /** Runs SQL (several statements allowed) in a short-lived connection. */
  sql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Stops the server now (fast shutdown) without removing its data, to simulate losing the database. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** uid/gid of the `postgres` OS user when we run as root (postgres refuses to run as root), else ours. */
async function serverIdentity(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', OS_USER]), run('id', ['-g', OS_USER])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export async function startPostgres(): Promise<PostgresFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'chaoslab-pg-'));
  const data = join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  let child: ChildProcess | undefined;
  let log = '';
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGINT');
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const close = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const identity = await serverIdentity();
    if (identity) await chown(dir, identity.uid, identity.gid);
    await chmod(dir, 0o700);
    const pwfile = join(dir, 'pwfile');
    await writeFile(pwfile, `${password}\n`, { mode: 0o644 });
    await run(`${BIN}/initdb`, ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '--no-locale', '-E', 'UTF8', '--no-sync'], { timeout: 60_000, cwd: dir, ...identity });
    const port = await freePort();
    const args = ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=50'];
    // spawned directly as the postgres user (not through runuser), so signals reach the server itself
    child = spawn(`${BIN}/postgres`, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, ...identity });
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    const client = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    };
    await waitFor(async () => {
      if (child?.exitCode !== null) throw new Error(`postgres exited: ${log}`);
      const c = await client();
      await c.end();
      return true;
    }, { clock: systemClock, timeoutMs: 30_000, intervalMs: 50, description: 'postgres to accept connections' });
    const sql = async (text: string, values?: unknown[]) => {
      const c = await client();
      try {
        return await c.query(text, values);
      } finally {
        await c.end();
      }
    };
    return { port, password, url, dir, client, sql, stop, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await close();
    throw error;
  }
}

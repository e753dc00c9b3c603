import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WinRmError } from './errors.js';

/** Where a Kerberos login's ticket comes from (exactly one is set; the lab schema checks it). */
export interface TicketSource {
  /** user@REALM */
  readonly principal: string;
  /** kinit with this password (fed on stdin, never on a command line). */
  readonly password?: string;
  /** kinit -k -t with this client keytab. */
  readonly keytab?: string;
  /** An existing FILE credential cache (from the operator's own kinit), copied in. */
  readonly ccache?: string;
}

/** Tickets older than this are fetched again, well inside the default 10 h lifetime. */
const REFRESH_MS = 60 * 60 * 1000;

/**
 * chaoslab's own credential cache collection (MIT DIR: type): one cache per
 * principal, so hosts logging in as different accounts do not trample each
 * other. GSSAPI reads KRB5CCNAME from the environment, so the process points
 * it here once; GSSAPI then picks the cache whose principal the login names.
 * The folder is private (0700, mkdtemp) and removed when the process exits.
 */
let collection: string | undefined;
const acquired = new Map<string, { at: number; ready: Promise<void> }>();

function collectionDir(): string {
  if (collection === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'chaoslab-krb5cc-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    process.env.KRB5CCNAME = `DIR:${dir}`;
    collection = dir;
  }
  return collection;
}

/** Makes sure the collection holds a fresh ticket-granting ticket for the source's principal. */
export function ensureTicket(host: string, source: TicketSource, now = Date.now()): Promise<void> {
  const key = JSON.stringify([source.principal, source.keytab, source.ccache, source.password === undefined ? '' : createHash('sha256').update(source.password).digest('hex')]);
  const known = acquired.get(key);
  if (known && now - known.at < REFRESH_MS) return known.ready;
  const ready = acquire(host, source, collectionDir());
  acquired.set(key, { at: now, ready });
  // A failure is not cached: the next login tries again (the KDC may have been down).
  ready.catch(() => acquired.delete(key));
  return ready;
}

async function acquire(host: string, source: TicketSource, dir: string): Promise<void> {
  if (source.ccache !== undefined) {
    const path = source.ccache.replace(/^FILE:/, '');
    // A DIR collection is a folder of FILE caches named tkt*; one per principal.
    await copyFile(path, join(dir, `tkt-${createHash('sha256').update(source.principal).digest('hex').slice(0, 16)}`)).catch((error: Error) => {
      throw new WinRmError('TRANSPORT_AUTH', host, `cannot read the Kerberos credential cache ${source.ccache}: ${error.message}`);
    });
    return;
  }
  const args = source.keytab !== undefined ? ['-k', '-t', source.keytab, source.principal] : [source.principal];
  await kinit(host, source.principal, args, source.password);
}

function kinit(host: string, principal: string, args: string[], password: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    // kinit into the collection stores the ticket in the cache of that principal (a new one if none).
    const child = spawn('kinit', args, { env: { ...process.env, KRB5CCNAME: `DIR:${collectionDir()}` }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(new WinRmError('TRANSPORT_PROTOCOL', host, error.code === 'ENOENT' ? 'auth: kerberos needs MIT kinit (Debian: apt-get install krb5-user)' : `kinit failed: ${error.message}`)),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(kinitError(host, principal, stderr.trim()))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(password === undefined ? '' : `${password}\n`);
  });
}

/** kinit's words → a typed error: a refused account is the lab's credentials, an unreachable KDC the network. */
export function kinitError(host: string, principal: string, stderr: string): WinRmError {
  const detail = stderr.replace(/^kinit: /, '').replace(/Password for \S+: ?/, '');
  if (/Cannot contact any KDC|Cannot find KDC|Cannot resolve network address/i.test(detail)) {
    return new WinRmError('TRANSPORT_UNREACHABLE', host, `no Kerberos KDC answered for ${principal}: ${detail}`, true);
  }
  if (/Password incorrect|Preauthentication failed|Client .* not found|Clients credentials have been revoked|Key table entry not found|Password has expired|Cannot read password/i.test(detail)) {
    return new WinRmError('TRANSPORT_AUTH', host, `the KDC refused the credentials of ${principal} (wrong password or keytab, unknown or disabled account): ${detail}`);
  }
  return new WinRmError('TRANSPORT_PROTOCOL', host, `cannot get a Kerberos ticket for ${principal}: ${detail}`);
}

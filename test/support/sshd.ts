import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hostSchema, type HostConfig } from '../../harness/config/lab-schema.js';
import { SecretResolver } from '../../harness/config/secrets.js';
import { systemClock } from '../../harness/core/clock.js';
import { silentLogger } from '../../harness/core/logger.js';
import { waitFor } from '../../harness/core/wait.js';
import type { TransportContext } from '../../harness/transport/transport.js';
import { freePort } from './ports.js';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

/**
 * A real OpenSSH sshd on 127.0.0.1 with a random port, temp host and client keys,
 * for transport and engine integration tests. Needs root (it logs in as the
 * current user, which on the test machines is root) and `scripts/setup.sh`.
 *
 * sshd runs in a private mount namespace where /etc/passwd and /etc/shadow are
 * bind-mounted copies: the login user's home is the temp directory and its
 * shell is /bin/sh (the machine's ~/.bashrc, which bash sources even for ssh
 * commands, must neither slow nor change them; and the transport promises
 * POSIX sh), and, when asked, its password is a test password. The machine's
 * real account files are never modified.
 */
export interface SshdFixture extends AsyncDisposable {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  /** Private ed25519 key authorised for `user`. */
  readonly keyPath: string;
  /** A known_hosts file pinning this sshd's host key for `[127.0.0.1]:port`. */
  readonly knownHostsPath: string;
  /** The `ssh-ed25519 AAAA…` public host key. */
  readonly hostPublicKey: string;
  /** Temp directory of config, keys, pid and anything a test wants to put there. */
  readonly dir: string;
  /** sshd's stderr so far (it runs with -e), for diagnostics. */
  log(): string;
  /** Pid of the listening sshd, or undefined while stopped. */
  pid(): number | undefined;
  /** SIGTERM sshd and every connection it forked: established sessions drop too. */
  stop(): Promise<void>;
  /** SIGKILL sshd and every connection it forked, to simulate losing the host. */
  kill(): Promise<void>;
  /** Stops (if running) and starts again on the same port with the same keys. */
  restart(): Promise<void>;
  /** SIGSTOP sshd and its connections: a host that hangs without closing anything. */
  pause(): Promise<void>;
  /** SIGCONT what pause() stopped. */
  resume(): Promise<void>;
  /** SIGKILL every connection sshd forked but keep it listening: clients must log in again. */
  dropConnections(): Promise<void>;
}

export interface SshdOptions {
  /** sshd's MaxSessions (channels per connection); high by default for concurrency tests. */
  maxSessions?: number;
  /** Also accept this password for `user` (PasswordAuthentication yes). */
  password?: string;
  /** Extra sshd_config lines; they take precedence over the fixture's own. */
  extraConfig?: string[];
  /** The login user's shell (default /bin/sh); sshd runs every command as `<shell> -c <command>`. */
  loginShell?: string;
}

export async function startSshd(options: SshdOptions = {}): Promise<SshdFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'chaoslab-sshd-'));
  try {
    return await launch(dir, options);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function launch(dir: string, options: SshdOptions): Promise<SshdFixture> {
  // sshd refuses to start without its privilege-separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const keyPath = join(dir, 'client_ed25519');
  await generateKey(hostKey, 'chaoslab-test-host');
  await generateKey(keyPath, 'chaoslab-test-client');
  await writeFile(join(dir, 'authorized_keys'), await readFile(`${keyPath}.pub`, 'utf8'), { mode: 0o600 });
  const hostPublicKey = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  const user = userInfo().username;
  const configPath = join(dir, 'sshd_config');
  const knownHostsPath = join(dir, 'known_hosts');
  const { passwdPath, shadowPath } = await writeAccountFiles(dir, user, options.password, options.loginShell);

  let port = 0;
  let child: ChildProcess | undefined;
  let stderr = '';
  let startError: Error | undefined;

  const spawnSshd = async (): Promise<void> => {
    stderr = '';
    const proc = spawn('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', NAMESPACE_SCRIPT, 'sshd-fixture', passwdPath, shadowPath, configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.on('error', (error) => (startError = error));
    proc.on('exit', () => {
      if (child === proc) child = undefined;
    });
    await waitFor(
      async () => {
        if (startError) throw startError;
        if (proc.exitCode !== null || proc.signalCode !== null) return 'exited';
        return (await readBanner(port)) ? 'ready' : undefined;
      },
      { clock: systemClock, timeoutMs: 10_000, intervalMs: 20, factor: 1.5, maxIntervalMs: 200, description: `sshd on 127.0.0.1:${port}` },
    ).then((state) => {
      if (state === 'exited') throw new Error(`sshd exited during start-up (code ${proc.exitCode}): ${stderr.trim()}`);
    });
  };

  // A free port can be taken between probing and sshd binding it: retry with another.
  for (let attempt = 1; ; attempt += 1) {
    port = await freePort();
    await writeFile(configPath, sshdConfig(dir, port, hostKey, options));
    await writeFile(knownHostsPath, `[127.0.0.1]:${port} ${hostPublicKey}\n`);
    try {
      await spawnSshd();
      break;
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(stderr)) throw error;
    }
  }

  const signalTree = async (signal: NodeJS.Signals, listenerToo = true): Promise<void> => {
    const proc = child;
    if (!proc) return;
    // Connection handlers are forked children that outlive the listener: signal the whole tree.
    for (const pid of [...(await descendants(proc.pid!)), ...(listenerToo ? [proc.pid!] : [])]) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    await signalTree(signal);
    // A paused tree would hold SIGTERM pending forever.
    await signalTree('SIGCONT');
    await exited;
  };

  const fixture: SshdFixture = {
    host: '127.0.0.1',
    port,
    user,
    keyPath,
    knownHostsPath,
    hostPublicKey,
    dir,
    log: () => stderr,
    pid: () => child?.pid,
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    restart: async () => {
      await terminate('SIGTERM');
      await spawnSshd();
    },
    pause: () => signalTree('SIGSTOP'),
    resume: () => signalTree('SIGCONT'),
    dropConnections: () => signalTree('SIGKILL', false),
    [Symbol.asyncDispose]: async () => {
      await terminate('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Runs inside the new mount namespace: private account files, then exec sshd (same pid). */
const NAMESPACE_SCRIPT = `mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/shadow && exec ${SSHD} -D -e -f "$3"`;

async function writeAccountFiles(dir: string, user: string, password: string | undefined, shell = '/bin/sh'): Promise<{ passwdPath: string; shadowPath: string }> {
  const home = join(dir, 'home');
  await mkdir(home, { mode: 0o700 });
  const passwd = (await readFile('/etc/passwd', 'utf8'))
    .split('\n')
    .map((line) => {
      const fields = line.split(':');
      if (fields[0] !== user || fields.length < 7) return line;
      fields[5] = home;
      fields[6] = shell;
      return fields.join(':');
    })
    .join('\n');
  // '*' (no password) rather than '!', which sshd treats as a locked account even for keys.
  const hash = password === undefined ? '*' : (await run('openssl', ['passwd', '-6', password])).stdout.trim();
  const passwdPath = join(dir, 'passwd');
  const shadowPath = join(dir, 'shadow');
  await writeFile(passwdPath, passwd, { mode: 0o644 });
  await writeFile(shadowPath, `${user}:${hash}:20000:0:99999:7:::\n`, { mode: 0o600 });
  return { passwdPath, shadowPath };
}

function sshdConfig(dir: string, port: number, hostKey: string, options: SshdOptions): string {
  const maxSessions = options.maxSessions ?? 200;
  // sshd keeps the first value of a keyword: the caller's lines go first to override ours.
  return [
    ...(options.extraConfig ?? []),
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PermitRootLogin ${options.password === undefined ? 'prohibit-password' : 'yes'}`,
    'PubkeyAuthentication yes',
    `PasswordAuthentication ${options.password === undefined ? 'no' : 'yes'}`,
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    `MaxSessions ${maxSessions}`,
    'MaxStartups 200:30:400',
    'LogLevel ERROR',
    'PrintMotd no',
    '',
  ].join('\n');
}

async function generateKey(path: string, comment: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
}

/** True once something on the port answers with an SSH identification line. */
function readBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\n')) finish(received.startsWith('SSH-2.0-'));
    });
    socket.on('end', () => finish(false));
  });
}

/** Every live process below `root`, found through /proc (Linux). */
async function descendants(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces: parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * The inventory lines of a host served on this machine (a test sshd, the WinRM test
 * server): its address is the controller's own, which an inventory must allow explicitly.
 */
export const CONTROLLER_HOST_LINES: readonly string[] = ['    address: 127.0.0.1', '    allow_controller: true'];

/** A lab-inventory host (transport kind ssh, key and known_hosts pinned) for this sshd. */
export function sshdHostConfig(sshd: SshdFixture, overrides: { name?: string; transport?: Record<string, unknown> } = {}): HostConfig {
  return hostSchema.parse({
    name: overrides.name ?? 'sshd-fixture',
    platform: 'linux',
    address: sshd.host,
    allow_controller: true,
    transport: {
      kind: 'ssh',
      port: sshd.port,
      user: sshd.user,
      key: `file:${sshd.keyPath}`,
      known_hosts: sshd.knownHostsPath,
      ...overrides.transport,
    },
  });
}

/** A transport context with real secret resolution, the system clock and no logging. */
export function fixtureTransportContext(baseDir = process.cwd()): TransportContext {
  const secrets = new SecretResolver(baseDir);
  return { resolveSecret: (ref) => secrets.resolve(ref), clock: systemClock, logger: silentLogger, baseDir };
}

/** Established TCP connections from this machine to 127.0.0.1:`port` (what a server still holds open), read from /proc/net/tcp. */
export async function connectionsTo(port: number): Promise<number> {
  const table = await readFile('/proc/net/tcp', 'utf8');
  const ESTABLISHED = '01';
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === ESTABLISHED && Number.parseInt(fields[2]?.split(':')[1] ?? '', 16) === port).length;
}

import { execFile } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from '../../harness/core/errors.js';
import { createSshTransport, type SshTransportOptions } from '../../harness/transport/ssh.js';
import { fixtureTransportContext, sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';

const run = promisify(execFile);
let sshd: SshdFixture;

beforeAll(async () => {
  sshd = await startSshd();
});

afterAll(async () => {
  await sshd?.[Symbol.asyncDispose]();
});

function transportFor(fixture: SshdFixture, transport: Record<string, unknown> = {}, options?: SshTransportOptions) {
  return createSshTransport(sshdHostConfig(fixture, { transport }), fixtureTransportContext(), options);
}

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

async function processGone(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

async function unusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('ssh transport failures: credentials and host keys', () => {
  it('fails with TRANSPORT_AUTH when the key is not authorised', async () => {
    const otherKey = join(sshd.dir, 'unauthorised_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    await using transport = transportFor(sshd, { key: `file:${otherKey}` });
    const error = await failure(transport.exec('true'));
    expect(error.code).toBe('TRANSPORT_AUTH');
    expect(error.message).toMatch(/authentication failed for user/);
  });

  it('fails with TRANSPORT_AUTH when the host key does not match known_hosts', async () => {
    const impostor = (await readFile(`${sshd.keyPath}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    const knownHosts = join(sshd.dir, 'known_hosts.wrong');
    await writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${impostor}\n`);
    await using transport = transportFor(sshd, { known_hosts: knownHosts });
    const error = await failure(transport.exec('true'));
    expect(error.code).toBe('TRANSPORT_AUTH');
    expect(error.message).toMatch(/host key of 127\.0\.0\.1:\d+ does not match .*known_hosts\.wrong \(server presented SHA256:/);
  });

  it('refuses a host with no known_hosts entry before connecting', async () => {
    const knownHosts = join(sshd.dir, 'known_hosts.other-port');
    await writeFile(knownHosts, `[127.0.0.1]:${sshd.port + 1} ${sshd.hostPublicKey}\n127.0.0.1 ${sshd.hostPublicKey}\n`);
    await using transport = transportFor(sshd, { known_hosts: knownHosts });
    const error = await failure(transport.exec('true'));
    expect(error.code).toBe('TRANSPORT_AUTH');
    expect(error.message).toContain(`no host key for [127.0.0.1]:${sshd.port}`);
  });

  it('accepts a host key pinned by a hashed known_hosts entry (ssh-keygen -H)', async () => {
    const knownHosts = join(sshd.dir, 'known_hosts.hashed');
    await writeFile(knownHosts, `# pinned\n[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
    await run('ssh-keygen', ['-H', '-f', knownHosts]);
    expect(await readFile(knownHosts, 'utf8')).toMatch(/^\|1\|/m);
    await using transport = transportFor(sshd, { known_hosts: knownHosts });
    expect((await transport.exec('echo pinned')).stdout).toBe('pinned\n');
  });

  it('honours wildcard and negated host patterns', async () => {
    const knownHosts = join(sshd.dir, 'known_hosts.patterns');
    // The revocation covers every host but this one (negated); ignoring the negation would refuse the key.
    await writeFile(knownHosts, `@revoked *,![127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n[127.0.0.?]:${sshd.port} ${sshd.hostPublicKey}\n`);
    await using transport = transportFor(sshd, { known_hosts: knownHosts });
    expect((await transport.exec('echo matched')).stdout).toBe('matched\n');
  });

  it('rejects a key marked @revoked even when another line accepts it', async () => {
    const knownHosts = join(sshd.dir, 'known_hosts.revoked');
    await writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n@revoked * ${sshd.hostPublicKey}\n`);
    await using transport = transportFor(sshd, { known_hosts: knownHosts });
    expect((await failure(transport.exec('true'))).code).toBe('TRANSPORT_AUTH');
  });

  it('accepts any host key with insecure_host_key and no known_hosts', async () => {
    await using transport = transportFor(sshd, { known_hosts: undefined, insecure_host_key: true });
    expect((await transport.exec('echo lab')).stdout).toBe('lab\n');
  });

  it('decrypts a passphrase-protected key with a passphrase from an env: reference', async () => {
    const lockedKey = join(sshd.dir, 'locked_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'open sesame', '-f', lockedKey]);
    await appendFile(join(sshd.dir, 'authorized_keys'), await readFile(`${lockedKey}.pub`, 'utf8'));
    process.env.CHAOSLAB_TEST_PASSPHRASE = 'open sesame';
    try {
      await using transport = transportFor(sshd, { key: `file:${lockedKey}`, passphrase: 'env:CHAOSLAB_TEST_PASSPHRASE' });
      expect((await transport.exec('echo unlocked')).stdout).toBe('unlocked\n');
      process.env.CHAOSLAB_TEST_PASSPHRASE = 'wrong';
      await using wrong = transportFor(sshd, { key: `file:${lockedKey}`, passphrase: 'env:CHAOSLAB_TEST_PASSPHRASE' });
      const error = await failure(wrong.exec('true'));
      expect(error.code).toBe('TRANSPORT_AUTH');
      expect(error.message).toMatch(/cannot use the configured credentials/);
    } finally {
      delete process.env.CHAOSLAB_TEST_PASSPHRASE;
    }
  });

  it('authenticates with a password from a file: reference', async () => {
    await using withPassword = await startSshd({ password: 'correct horse battery staple' });
    const passwordFile = join(withPassword.dir, 'password');
    await writeFile(passwordFile, 'correct horse battery staple\n');
    await using transport = transportFor(withPassword, { key: undefined, password: `file:${passwordFile}` });
    expect((await transport.exec('id -u')).stdout).toBe(`${process.getuid!()}\n`);
    await writeFile(passwordFile, 'wrong password\n');
    await using wrong = transportFor(withPassword, { key: undefined, password: `file:${passwordFile}` });
    expect((await failure(wrong.exec('true'))).code).toBe('TRANSPORT_AUTH');
  });
});

describe.each(['shell', 'exec'] as const)('ssh transport failures, commandMode %s', (mode) => {
  const modeTransport = (fixture: SshdFixture, transport: Record<string, unknown> = {}, options: SshTransportOptions = {}) =>
    transportFor(fixture, transport, { commandMode: mode, ...options });

  describe('losing the host', () => {
    it('fails with TRANSPORT_UNREACHABLE when nothing listens, after bounded retries', async () => {
      const port = await unusedPort();
      await using transport = createSshTransport(
        sshdHostConfig(sshd, { transport: { port, known_hosts: undefined, insecure_host_key: true } }),
        fixtureTransportContext(),
        { connectAttempts: 3, backoffBaseMs: 20 },
      );
      const started = performance.now();
      const error = await failure(transport.exec('true'));
      expect(error.code).toBe('TRANSPORT_UNREACHABLE');
      expect(error.message).toContain('ECONNREFUSED');
      expect(performance.now() - started).toBeLessThan(5_000);
      await expect(transport.probe()).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
    });

    it('fails with TRANSPORT_UNREACHABLE when the port accepts but no SSH handshake comes', async () => {
      const silent = createServer((socket) => socket.on('error', () => undefined));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = silent.address() as { port: number };
        await using transport = createSshTransport(
          sshdHostConfig(sshd, { transport: { port, connect_timeout: '300ms', known_hosts: undefined, insecure_host_key: true } }),
          fixtureTransportContext(),
          { connectAttempts: 1 },
        );
        const error = await failure(transport.exec('true'));
        expect(error.code).toBe('TRANSPORT_UNREACHABLE');
        expect(error.message).toMatch(/no SSH handshake with 127\.0\.0\.1:\d+ within 300 ms/);
      } finally {
        silent.close();
      }
    });

    it('fails running commands and streams with TRANSPORT_CLOSED when sshd is killed, then reconnects after a restart', async () => {
      await using own = await startSshd();
      await using transport = modeTransport(own);
      const before = await transport.exec('echo "$SSH_CLIENT"');
      const marker = join(own.dir, 'started');
      // Failures are taken up at once: they happen while the test awaits the kill.
      const running = failure(transport.exec(`touch ${marker}; exec sleep 60`));
      const streamed: string[] = [];
      const streaming = failure(
        (async () => {
          for await (const line of transport.stream('echo tailing; exec sleep 60', { signal: new AbortController().signal })) streamed.push(line);
        })(),
      );
      await expect.poll(() => readFile(marker).then(() => streamed.length, () => 0), { timeout: 10_000 }).toBe(1);
      await own.kill();
      expect((await running).code).toBe('TRANSPORT_CLOSED');
      expect((await streaming).code).toBe('TRANSPORT_CLOSED');
      expect(streamed).toEqual(['tailing']);

      await own.restart();
      const after = await transport.exec('echo "$SSH_CLIENT"');
      expect(after.exitCode).toBe(0);
      expect(after.stdout.split(' ')[1]).not.toBe(before.stdout.split(' ')[1]);
    });

    it('reconnects with backoff when sshd comes back while the transport retries', async () => {
      await using own = await startSshd();
      const log: string[] = [];
      const context = { ...fixtureTransportContext(), logger: pino({ level: 'debug' }, { write: (line: string) => void log.push(line) }) };
      // Retries outlast any restart: the test waits on what happens, not on how long sshd takes to start under load.
      await using transport = createSshTransport(sshdHostConfig(own), context, { commandMode: mode, connectAttempts: 10_000, backoffBaseMs: 100, backoffMaxMs: 400 });
      await transport.exec('true');
      await own.stop();
      // A command sent before the transport saw the drop would go to the dying connection (and rightly not be retried).
      await expect.poll(() => log.some((line) => line.includes('ssh connection closed')), { timeout: 10_000 }).toBe(true);
      const next = transport.exec('echo back');
      await expect.poll(() => log.filter((line) => line.includes('ssh connect failed, retrying')).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      await own.restart();
      expect((await next).stdout).toBe('back\n');
    });
  });

  describe('channels and lifecycle', () => {
    // sshd frees a session a moment after the channel's close, so the limit stays one below MaxSessions
    // (the default 8 sits below OpenSSH's default 10).
    it('queues channels at the per-host limit, and reports TRANSPORT_QUOTA when the server refuses one', async () => {
      await using capped = await startSshd({ maxSessions: 3 });
      await using queued = modeTransport(capped, {}, { maxChannels: 2 });
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => queued.exec(`sleep 0.2; echo ${i}`)));
      expect(results.map((r) => r.stdout)).toEqual(['0\n', '1\n', '2\n', '3\n', '4\n', '5\n']);

      // refusals are asked again for about 1.5 s (a session freed late clears them): these sessions stay busy longer
      await using greedy = modeTransport(capped, {}, { maxChannels: 6 });
      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => greedy.exec('sleep 5')));
      const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as TransportError);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((e) => e.code === 'TRANSPORT_QUOTA')).toBe(true);
    });

    it('close() is idempotent and later commands fail with TRANSPORT_CLOSED', async () => {
      const transport = modeTransport(sshd);
      await transport.exec('true');
      await transport.close();
      await transport.close();
      expect((await failure(transport.exec('true'))).code).toBe('TRANSPORT_CLOSED');
    });

    it('close() fails commands in flight with TRANSPORT_CLOSED and kills the killable ones on the host', async () => {
      const transport = modeTransport(sshd);
      const pidFile = join(sshd.dir, `${mode}-closed.pid`);
      const running = failure(transport.exec(`echo $$ > ${pidFile}; exec sleep 60`, { timeoutMs: 60_000 }));
      await expect.poll(() => readFile(pidFile, 'utf8').catch(() => ''), { timeout: 10_000 }).toMatch(/^\d+\n$/);
      const pid = Number(await readFile(pidFile, 'utf8'));
      await transport.close();
      expect((await running).code).toBe('TRANSPORT_CLOSED');
      await expect.poll(() => processGone(pid), { timeout: 5_000 }).toBe(true);
    });

    it('declares a host that hangs without closing lost after unanswered keepalives, and never waits on it again', async () => {
      await using own = await startSshd();
      await using transport = modeTransport(own, { keepalive: '200ms', keepalive_count_max: 2 });
      const started = join(own.dir, 'running');
      const running = failure(transport.exec(`touch ${started}; exec sleep 30`));
      // Pause only once the command runs: a channel still opening would be retried on a new connection.
      await expect.poll(() => readFile(started).then(() => true, () => false), { timeout: 10_000 }).toBe(true);
      await own.pause();
      try {
        const pausedAt = performance.now();
        const error = await running;
        expect(error.code).toBe('TRANSPORT_UNREACHABLE');
        expect(error.message).toMatch(/host stopped answering: 2 keepalives over 400 ms got no reply/);
        expect(performance.now() - pausedAt).toBeLessThan(10_000);
        // later commands and the probe fail at once with the same reason: no reconnect, no timeout to wait out
        const later = await failure(transport.exec('true', { timeoutMs: 60_000 }));
        expect(later.message).toBe(error.message);
        await expect(transport.probe({ timeoutMs: 60_000 })).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
        expect(performance.now() - pausedAt).toBeLessThan(10_000);
      } finally {
        await own.resume();
      }
    });
  });
});

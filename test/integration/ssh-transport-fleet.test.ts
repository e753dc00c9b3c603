import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { createSshTransport } from '../../harness/transport/ssh.js';
import { connectionsTo, fixtureTransportContext, sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';

/** What broke when a run started on a hundred hosts at once (bench/fleet.ts), each on a real sshd. */
describe('the ssh transport at fleet scale', () => {
  let sshd: SshdFixture;

  beforeAll(async () => {
    sshd = await startSshd();
  });

  afterAll(async () => {
    await sshd?.[Symbol.asyncDispose]();
  });

  it("a command's deadline starts once the host's connection is up: a slow handshake does not time out the first command", async () => {
    await using transport = createSshTransport(sshdHostConfig(sshd, { transport: { connect_timeout: '60s' } }), fixtureTransportContext());
    // the host is slow to answer: sshd accepts the TCP connection (the kernel does) but sends nothing yet
    await sshd.pause();
    const first = transport.exec('echo ready', { timeoutMs: 500 });
    await waitFor(
      async () => ((await connectionsTo(sshd.port)) > 0 ? true : undefined),
      { clock: systemClock, timeoutMs: 10_000, intervalMs: 50, description: 'the transport to reach the paused sshd' },
    );
    await sshd.resume();
    const result = await first;
    expect(result).toMatchObject({ exitCode: 0, stdout: 'ready\n' });
    // once connected, the deadline still applies to the command itself
    await expect(transport.exec('sleep 5', { timeoutMs: 300 })).rejects.toMatchObject({ code: 'TRANSPORT_TIMEOUT' });
  });

  it('asks again for a channel the server refused at its session limit, once a session is free', async () => {
    await using capped = await startSshd({ maxSessions: 3 });
    // one more channel than the server allows, as when it frees closed sessions late
    await using transport = createSshTransport(sshdHostConfig(capped), fixtureTransportContext(), { maxChannels: 4, commandMode: 'exec' });
    const results = await Promise.all([0, 1, 2, 3].map((i) => transport.exec(`sleep 0.3; echo ${i}`, { timeoutMs: 30_000 })));
    expect(results.map((r) => r.stdout)).toEqual(['0\n', '1\n', '2\n', '3\n']);
  });

  it('runs at most 16 SSH handshakes at once across hosts; the others wait before their connect timeout starts', async () => {
    let accepted = 0;
    // how many handshakes had started when the first one gave up (they all wait out the same timeout)
    let beforeFirstGaveUp: number | undefined;
    const silent = createServer((socket: Socket) => {
      accepted += 1;
      socket.on('error', () => undefined).on('close', () => (beforeFirstGaveUp ??= accepted)).resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const hosts = Array.from({ length: 24 }, (_, i) =>
        createSshTransport(sshdHostConfig(sshd, { name: `silent-${i}`, transport: { port, connect_timeout: '500ms', known_hosts: undefined, insecure_host_key: true } }), fixtureTransportContext(), { connectAttempts: 1 }),
      );
      const outcomes = await Promise.allSettled(hosts.map((host) => host.exec('true', { timeoutMs: 60_000 })));
      await Promise.all(hosts.map((host) => host.close()));
      // every host got its own full connect timeout: all 24 reached the server and timed out there, none waited it out in the queue
      expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : 'ok'))).toEqual(Array(24).fill('TRANSPORT_UNREACHABLE'));
      expect(accepted).toBe(24);
      // 16 at once, plus the few the gate let in before the server saw the first ones close (without the gate: all 24)
      expect(beforeFirstGaveUp).toBeGreaterThanOrEqual(16);
      expect(beforeFirstGaveUp).toBeLessThan(24);
    } finally {
      silent.close();
    }
  });
});

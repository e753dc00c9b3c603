import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { createSshTransport } from '../../harness/transport/ssh.js';
import { fixtureTransportContext, sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';

const run = promisify(execFile);

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
      async () => {
        const { stdout } = await run('ss', ['-Htn', 'state', 'established', `( dport = :${sshd.port} )`]);
        return stdout.trim() ? true : undefined;
      },
      { clock: systemClock, timeoutMs: 10_000, intervalMs: 50, description: 'the transport to reach the paused sshd' },
    );
    await sshd.resume();
    const result = await first;
    expect(result).toMatchObject({ exitCode: 0, stdout: 'ready\n' });
    // once connected, the deadline still applies to the command itself
    await expect(transport.exec('sleep 5', { timeoutMs: 300 })).rejects.toMatchObject({ code: 'TRANSPORT_TIMEOUT' });
  });
});

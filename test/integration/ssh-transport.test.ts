import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { TransportError } from '../../harness/core/errors.js';
import { waitFor } from '../../harness/core/wait.js';
import { createSshTransport } from '../../harness/transport/ssh.js';
import type { Transport } from '../../harness/transport/transport.js';
import { fixtureTransportContext, sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';

let sshd: SshdFixture;
/** The default transport (persistent shells on POSIX) and one forced to an exec channel per command. */
let transport: Transport;
let execChannels: Transport;

beforeAll(async () => {
  sshd = await startSshd();
  transport = createSshTransport(sshdHostConfig(sshd), fixtureTransportContext());
  execChannels = createSshTransport(sshdHostConfig(sshd), fixtureTransportContext(), { commandMode: 'exec' });
});

afterAll(async () => {
  await transport?.close();
  await execChannels?.close();
  await sshd?.[Symbol.asyncDispose]();
});

/** True when the pid no longer runs (absent, or a zombie waiting for its reaper). */
async function processGone(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitForPid(path: string): Promise<number> {
  return waitFor(
    async () => {
      const text = await readFile(path, 'utf8').catch(() => '');
      return /^\d+\n$/.test(text) ? Number(text) : undefined;
    },
    { clock: systemClock, timeoutMs: 10_000, intervalMs: 10, description: `pid file ${path}` },
  );
}

async function waitUntilGone(pid: number): Promise<void> {
  await waitFor(async () => ((await processGone(pid)) ? true : undefined), {
    clock: systemClock,
    timeoutMs: 5_000,
    intervalMs: 10,
    description: `process ${pid} to end`,
  });
}

describe.each(['shell', 'exec'] as const)('ssh transport against a real sshd, commandMode %s', (mode) => {
  let subject: Transport;
  beforeAll(() => {
    subject = mode === 'exec' ? execChannels : transport;
  });

  describe('exec', () => {
    it('returns stdout, stderr and the exit code of a command', async () => {
      const result = await subject.exec('printf out; printf err >&2; exit 3');
      expect(result).toMatchObject({ stdout: 'out', stderr: 'err', exitCode: 3 });
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
      expect((await subject.exec('true')).exitCode).toBe(0);
    });

    it('reports a command killed by a signal with exitCode null', async () => {
      const result = await subject.exec('kill -TERM $$');
      expect(result.exitCode).toBeNull();
    });

    it('keeps non-ASCII output intact', async () => {
      const text = 'Grüße — 日本語 — 🦀 — ñ';
      const result = await subject.exec(`printf '%s' '${text}'`);
      expect(result.stdout).toBe(text);
    });

    it('collects a 1 MB output completely', async () => {
      const result = await subject.exec("head -c 1048576 /dev/zero | tr '\\0' x; head -c 65536 /dev/zero | tr '\\0' y >&2");
      expect(result.stdout.length).toBe(1_048_576);
      expect(result.stdout).toMatch(/^x+$/);
      expect(result.stderr.length).toBe(65_536);
    });

    it('runs 50 commands in parallel over one pooled connection', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => subject.exec(`echo ${i} "$SSH_CLIENT"`)));
      expect(results.map((r) => Number(r.stdout.split(' ')[0]))).toEqual(Array.from({ length: 50 }, (_, i) => i));
      // SSH_CLIENT is "client-ip client-port server-port": one connection means one client port.
      const clientPorts = new Set(results.map((r) => r.stdout.trim().split(' ')[2]));
      expect(clientPorts.size).toBe(1);
      await subject.probe();
    });
  });

  describe('stopping commands', () => {
    it('kills the remote command and its children on timeout', async () => {
      const pidFile = join(sshd.dir, `${mode}-timeout.pid`);
      const started = performance.now();
      const run = subject.exec(`sleep 60 & echo $! > ${pidFile}; wait`, { timeoutMs: 2_000 });
      const error = await run.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).code).toBe('TRANSPORT_TIMEOUT');
      // the command is named first and quoted: a probe's `true` once read like a flag ("was killed: true")
      expect((error as TransportError).message).toBe(`${subject.host}: command \`sleep 60 & echo $! > ${pidFile}; wait\` timed out after 2000 ms and was killed`);
      expect(performance.now() - started).toBeLessThan(10_000);
      await waitUntilGone(await waitForPid(pidFile));
    });

    it('kills the remote command when the caller aborts', async () => {
      const pidFile = join(sshd.dir, `${mode}-abort.pid`);
      const controller = new AbortController();
      const run = subject.exec(`echo $$ > ${pidFile}; exec sleep 60`, { signal: controller.signal });
      const pid = await waitForPid(pidFile);
      const reason = new Error('test aborted');
      controller.abort(reason);
      await expect(run).rejects.toBe(reason);
      await waitUntilGone(pid);
      // the connection stays usable
      expect((await subject.exec('echo still here')).stdout).toBe('still here\n');
    });

    it('rejects at once when the signal is already aborted', async () => {
      const reason = new Error('too late');
      await expect(subject.exec('true', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    });
  });
});

describe('ssh transport against a real sshd: streaming', () => {
  it('streams lines of a growing file until aborted, then stops the remote tail', async () => {
    const logFile = join(sshd.dir, 'growing.log');
    await writeFile(logFile, 'first\nsecond\n');
    const controller = new AbortController();
    const lines: string[] = [];
    let tailPid = 0;
    for await (const line of transport.stream(`echo $$; exec tail -n +1 -F ${logFile}`, { signal: controller.signal })) {
      if (!tailPid) {
        tailPid = Number(line);
        continue;
      }
      lines.push(line);
      if (line === 'second') await appendFile(logFile, 'third — ü\nfourth\n');
      if (line === 'fourth') controller.abort();
    }
    expect(lines).toEqual(['first', 'second', 'third — ü', 'fourth']);
    await waitUntilGone(tailPid);
  });

  it('ends when the streamed command ends, with a last line lacking a newline', async () => {
    const lines: string[] = [];
    for await (const line of transport.stream("printf 'a\\nb\\r\\nc'", { signal: new AbortController().signal })) lines.push(line);
    expect(lines).toEqual(['a', 'b', 'c']);
  });

  it('stops the remote command when the consumer breaks out of the loop', async () => {
    const pidFile = join(sshd.dir, 'break.pid');
    for await (const line of transport.stream(`echo $$ > ${pidFile}; echo go; exec sleep 60`, { signal: new AbortController().signal })) {
      if (line === 'go') break;
    }
    await waitUntilGone(await waitForPid(pidFile));
  });
});

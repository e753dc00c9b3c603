import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from '../../harness/core/errors.js';
import { createSshTransport } from '../../harness/transport/ssh.js';
import type { Transport } from '../../harness/transport/transport.js';
import { fixtureTransportContext, sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';

let sshd: SshdFixture;
let transport: Transport;

beforeAll(async () => {
  sshd = await startSshd();
  transport = createSshTransport(sshdHostConfig(sshd), fixtureTransportContext(), { commandMode: 'shell', maxChannels: 4 });
});

afterAll(async () => {
  await transport?.close();
  await sshd?.[Symbol.asyncDispose]();
});

/** Each command is a child of its persistent shell: the same parent pid means the same shell. */
const SHELL_PID = 'echo $PPID';

describe('persistent shell pool: output framing', () => {
  it('returns output lacking a trailing newline exactly, on stdout and stderr', async () => {
    const result = await transport.exec("printf 'no newline'; printf 'err, no newline' >&2");
    expect(result).toMatchObject({ stdout: 'no newline', stderr: 'err, no newline', exitCode: 0 });
    expect((await transport.exec('true')).stdout).toBe('');
  });

  it('keeps unicode and control bytes intact', async () => {
    const result = await transport.exec("printf 'Grüße 日本語 🦀\\001\\002\\033[0m\\r\\n\\t'");
    expect(result.stdout).toBe('Grüße 日本語 🦀\u0001\u0002\u001b[0m\r\n\t');
  });

  it('returns outputs of sizes around packet and window boundaries exactly, on both streams', async () => {
    const sizes = [16_370, 16_380, 16_384, 32_740, 32_750, 32_760, 32_768, 65_530];
    const results = await Promise.all(sizes.map((size) => transport.exec(`head -c ${size} /dev/zero | tr '\\0' a; head -c ${size} /dev/zero | tr '\\0' b >&2`)));
    expect(results.map((r) => r.stdout.length)).toEqual(sizes);
    expect(results.map((r) => r.stderr.length)).toEqual(sizes);
    expect(results.every((r) => /^a*$/.test(r.stdout) && /^b*$/.test(r.stderr) && r.exitCode === 0)).toBe(true);
  });

  it('is not fooled by output that looks like an end token', async () => {
    const result = await transport.exec("printf 'chaoslab-end-000000000000000000000000:0\\n'; echo after; echo 'chaoslab-end-x:' >&2");
    expect(result).toMatchObject({ stdout: 'chaoslab-end-000000000000000000000000:0\nafter\n', stderr: 'chaoslab-end-x:\n', exitCode: 0 });
  });

  it('reports `exit 7` and a syntax error as the exit code, and the shell survives both', async () => {
    const before = await transport.exec(SHELL_PID);
    expect((await transport.exec('echo partial; exit 7; echo never')).stdout).toBe('partial\n');
    expect((await transport.exec('exit 7')).exitCode).toBe(7);
    const syntax = await transport.exec('if then fi (');
    expect(syntax.exitCode).toBe(2);
    expect(syntax.stderr).toMatch(/syntax error/i);
    // a command reading stdin gets end-of-file, not the shell's next commands
    expect((await transport.exec('cat; echo read-done')).stdout).toBe('read-done\n');
    expect((await transport.exec(SHELL_PID)).stdout).toBe(before.stdout);
  });
});

describe('persistent shell pool: isolation between commands', () => {
  it('does not leak the working directory, variables, functions or umask to the next command', async () => {
    const shell = (await transport.exec(SHELL_PID)).stdout;
    await transport.exec('cd /tmp; LEAK=yes; export EXPORTED=yes; leak() { :; }; umask 077');
    const next = await transport.exec('pwd; echo "[${LEAK-}][${EXPORTED-}]"; command -v leak || echo no-function; umask');
    expect((await transport.exec(SHELL_PID)).stdout).toBe(shell);
    const [cwd, variables, fn, umask] = next.stdout.trim().split('\n');
    expect(cwd).not.toBe('/tmp');
    expect(variables).toBe('[][]');
    expect(fn).toBe('no-function');
    expect(umask).not.toBe('0077');
  });

  it('runs 30 commands in parallel on at most maxChannels shells, each with its own output', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => transport.exec(`sleep 0.05; echo ${i} $PPID; echo e${i} >&2; exit ${i % 5}`)));
    expect(results.map((r) => Number(r.stdout.split(' ')[0]))).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(results.map((r) => r.stderr)).toEqual(Array.from({ length: 30 }, (_, i) => `e${i}\n`));
    expect(results.map((r) => r.exitCode)).toEqual(Array.from({ length: 30 }, (_, i) => i % 5));
    const shells = new Set(results.map((r) => r.stdout.trim().split(' ')[1]));
    expect(shells.size).toBeGreaterThan(1);
    expect(shells.size).toBeLessThanOrEqual(4);
  });
});

describe('persistent shell pool: stopping commands and losing the host', () => {
  it('kills a timed-out command and its children, then runs the next command on the pool', async () => {
    const pidFile = join(sshd.dir, 'pool-timeout.pid');
    const timedOut = transport.exec(`sleep 60 & echo $! > ${pidFile}; wait`, { timeoutMs: 1_000 });
    await expect(timedOut).rejects.toBeInstanceOf(TransportError);
    await expect(timedOut).rejects.toMatchObject({ code: 'TRANSPORT_TIMEOUT' });
    const pid = Number(await readFile(pidFile, 'utf8'));
    await expect.poll(() => readFile(`/proc/${pid}/stat`, 'utf8').then((s) => s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3), () => 'gone'), { timeout: 5_000 }).toMatch(/gone|Z/);
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => transport.exec(`echo next ${i}`)));
    expect(results.map((r) => r.stdout)).toEqual(['next 0\n', 'next 1\n', 'next 2\n', 'next 3\n']);
  });

  it('fails a running command with TRANSPORT_CLOSED when sshd is killed, then reconnects after a restart', async () => {
    await using own = await startSshd();
    await using pooled = createSshTransport(sshdHostConfig(own), fixtureTransportContext(), { commandMode: 'shell' });
    const before = await pooled.exec('echo "$SSH_CLIENT"');
    const marker = join(own.dir, 'started');
    // The failure is taken up at once: it happens while the test awaits the kill.
    const running = pooled.exec(`touch ${marker}; exec sleep 60`).then(() => undefined, (e: unknown) => e);
    await expect.poll(() => readFile(marker).then(() => true, () => false), { timeout: 10_000 }).toBe(true);
    await own.kill();
    const lost = await running;
    expect(lost).toBeInstanceOf(TransportError);
    expect(lost).toMatchObject({ code: 'TRANSPORT_CLOSED' });

    await own.restart();
    const after = await pooled.exec('echo "$SSH_CLIENT"');
    expect(after.exitCode).toBe(0);
    expect(after.stdout.split(' ')[1]).not.toBe(before.stdout.split(' ')[1]);
  });
});

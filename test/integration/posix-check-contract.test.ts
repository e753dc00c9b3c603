import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheck } from '../../harness/transport/check-outcome.js';
import { getFault } from '../../harness/faults/registry.js';
import { createSshTransport } from '../../harness/transport/ssh.js';
import type { Transport } from '../../harness/transport/transport.js';
import { fixtureTransportContext, sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * The check contract on a real POSIX shell (real sshd): a shipped check that
 * cannot read what it compares exits 2 and says why — a probe error the
 * engine retries and never scores as drift — while a real drift still exits 1.
 */
let sshd: SshdFixture;
let transport: Transport;

beforeAll(async () => {
  sshd = await startSshd();
  transport = createSshTransport(sshdHostConfig(sshd), fixtureTransportContext());
});

afterAll(async () => {
  await transport?.close();
  await sshd?.[Symbol.asyncDispose]();
});

function check(name: string, params: Record<string, unknown>): string {
  const fault = getFault(name)!;
  return fault.build(fault.params.parse(params)).check;
}

async function outcome(command: string) {
  const result = await transport.exec(command, { timeoutMs: 10_000 });
  return { ...readCheck(result), exitCode: result.exitCode, stderr: result.stderr };
}

describe('shipped POSIX checks over real sshd', () => {
  it('file_mode: compliant 0, drifted 1, and a missing file is a probe error (2), not drift', async () => {
    const path = join(sshd.dir, 'guarded.conf');
    await writeFile(path, 'x');
    const command = check('linux.file_mode', { path, mode: '666', compliant: '600' });
    await chmod(path, 0o600);
    expect(await outcome(command)).toMatchObject({ kind: 'compliant', exitCode: 0 });
    await chmod(path, 0o666);
    expect(await outcome(command)).toMatchObject({ kind: 'drifted', exitCode: 1 });
    const missing = check('linux.file_mode', { path: join(sshd.dir, 'absent.conf'), mode: '666', compliant: '600' });
    expect(await outcome(missing)).toMatchObject({ kind: 'probe_error', exitCode: 2, stderr: expect.stringContaining('check failed: reading the value exited 1') });
  });

  it('sshd_option: an unreadable config is a probe error; an option set otherwise is drift', async () => {
    const path = join(sshd.dir, 'sshd_config.test');
    await writeFile(path, 'PermitRootLogin yes\n');
    expect(await outcome(check('linux.sshd_option', { path, option: 'PermitRootLogin', value: 'yes', compliant: 'no' }))).toMatchObject({ kind: 'drifted' });
    expect(await outcome(check('linux.sshd_option', { path: join(sshd.dir, 'nope'), option: 'PermitRootLogin', value: 'yes', compliant: 'no' }))).toMatchObject({ kind: 'probe_error', exitCode: 2 });
  });

  it('a missing command (127) is a probe error', async () => {
    expect(await outcome('chaoslab-no-such-tool --check')).toMatchObject({ kind: 'probe_error', exitCode: 127 });
  });
});

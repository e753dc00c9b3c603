import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { tempDir } from '../support/tmp.js';

/**
 * A credential that does not resolve is the user's to fix: `validate --lab` and `run`
 * name the reference, who needs it and where it is written (exit 2), before any
 * connection or injection. The hosts use documentation addresses: nothing may reach them.
 */
const SCENARIO = `id: lin-touch
title: A file appears
platform: linux
target: web
check_type: fixture
sla: 5s
window: 5s
expect: { outcome: heal }
steps: { inject: "touch /tmp/x", check: "test ! -e /tmp/x", revert: "rm -f /tmp/x" }
`;

function inventory(): string {
  return `kind: lab
name: secrets-up-front
hosts:
  - name: web-1
    platform: linux
    roles: [web]
    address: 192.0.2.51
    transport: { kind: ssh, user: root, key: "env:CHAOSLAB_TEST_UNSET_KEY", insecure_host_key: true }
  - name: db-1
    platform: linux
    roles: [db]
    address: 192.0.2.52
    transport: { kind: ssh, user: root, password: "file:no-such-password-file", insecure_host_key: true }
observers:
  - { name: stack-api, kind: http, url: "http://127.0.0.1:9/events", auth: { type: bearer, token: "env:CHAOSLAB_TEST_UNSET_TOKEN" } }
`;
}

async function labDir(prefix: string) {
  const dir = await tempDir(prefix);
  await writeFile(join(dir.path, 'lab.yaml'), inventory());
  await writeFile(join(dir.path, 'lin-touch.yaml'), SCENARIO);
  return dir;
}

const env = (dir: string) => ({ CHAOSLAB_STATE_DIR: join(dir, 'state'), CHAOSLAB_TEST_UNSET_KEY: '', CHAOSLAB_TEST_UNSET_TOKEN: '' });

describe('secrets are resolved before anything runs', () => {
  it('validate --lab lists every secret that does not resolve, with its host or observer and its line (exit 2)', async () => {
    await using dir = await labDir('chaoslab-secrets-validate-');
    const lab = join(dir.path, 'lab.yaml');
    const result = await runCli(['validate', join(dir.path, 'lin-touch.yaml'), '--lab', lab], { cwd: dir.path, env: env(dir.path) });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).toContain(`${lab}:8:46 hosts[0].transport.key: secret env:CHAOSLAB_TEST_UNSET_KEY: environment variable CHAOSLAB_TEST_UNSET_KEY is not set (needed by host web-1)`);
    expect(result.stderr).toMatch(/hosts\[1\]\.transport\.password: secret file:no-such-password-file: cannot read .*no-such-password-file \(needed by host db-1\)/);
    expect(result.stderr).toContain('observers[0].auth.token: secret env:CHAOSLAB_TEST_UNSET_TOKEN: environment variable CHAOSLAB_TEST_UNSET_TOKEN is not set (needed by observer stack-api)');
  });

  it('run stops with exit 2 before the first attempt, nothing journaled or reported; only the hosts the plan uses count', async () => {
    await using dir = await labDir('chaoslab-secrets-run-');
    const reports = join(dir.path, 'reports');
    const result = await runCli(['run', join(dir.path, 'lin-touch.yaml'), '--lab', join(dir.path, 'lab.yaml'), '--out', reports], { cwd: dir.path, env: env(dir.path) });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('secret env:CHAOSLAB_TEST_UNSET_KEY: environment variable CHAOSLAB_TEST_UNSET_KEY is not set (needed by host web-1)');
    expect(result.stderr).toContain('(needed by observer stack-api)');
    // db-1 runs nothing in this plan: its credential is not needed
    expect(result.stderr).not.toContain('host db-1');
    expect(result.stderr).not.toContain('transport_lost');
    expect(existsSync(reports)).toBe(false);
    const journal = join(dir.path, 'state', 'journal');
    expect(existsSync(journal) ? await readdir(journal) : []).toEqual([]);
  });
});

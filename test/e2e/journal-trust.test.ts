import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevertJournal } from '../../harness/journal/journal.js';
import { runCli } from '../support/engine-cli.js';
import { tempDir } from '../support/tmp.js';

/**
 * The revert journal as an attacker on the same machine would use it: files
 * dropped into the state directory, an entry edited, a state directory others
 * can write. The real CLI must refuse each one before loading any inventory
 * the entry names, resolving its secrets or connecting anywhere.
 */
describe('chaoslab revert --pending: planted and tampered journal entries', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let listener: Server;
  let connections = 0;
  let port = 0;

  beforeAll(async () => {
    dir = await tempDir('chaoslab-journal-trust-');
    // where a planted inventory would send the user's password: it must never be contacted
    listener = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => listener?.close(resolve));
    await dir?.[Symbol.asyncDispose]();
  });

  async function attackerLab(): Promise<string> {
    const labFile = join(dir.path, 'attacker-lab.yaml');
    await writeFile(
      labFile,
      ['name: attacker', 'hosts:', '  - name: web1', '    platform: linux', '    address: 127.0.0.1', `    transport: { kind: ssh, port: ${port}, user: root, password: "env:CHAOSLAB_TEST_VICTIM_PASSWORD", insecure_host_key: true }`, ''].join('\n'),
    );
    return labFile;
  }

  const plantedEntry = (labFile: string, marker: string, id = 'planted') => ({
    v: 2,
    id,
    runId: 'r',
    attemptId: 'a',
    host: 'web1',
    labFile,
    hostIdentity: `web1 ssh 127.0.0.1:${port}`,
    shell: 'posix',
    revert: [`touch ${marker}`],
    check: 'true',
    timeoutMs: 1000,
    createdAt: 1,
    pid: 1,
    mac: 'ab'.repeat(32),
  });

  it('a planted entry is refused: exit 3, nothing connected, the file kept for inspection', async () => {
    const stateDir = join(dir.path, 'planted-state');
    const journalDir = join(stateDir, 'journal');
    await mkdir(journalDir, { recursive: true, mode: 0o700 });
    const marker = join(dir.path, 'pwned-1');
    await writeFile(join(journalDir, 'planted.json'), JSON.stringify(plantedEntry(await attackerLab(), marker)), { mode: 0o600 });
    const result = await runCli(['revert', '--pending'], { cwd: dir.path, env: { CHAOSLAB_STATE_DIR: stateDir, CHAOSLAB_TEST_VICTIM_PASSWORD: 'hunter2-victim' } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`journal entry ${join(journalDir, 'planted.json')} refused, not replayed: not authenticated`);
    expect(result.stdout).toContain('1 journal file(s) were refused');
    expect(connections).toBe(0);
    expect(await readdir(journalDir)).toEqual(['planted.json']);
  });

  it('an entry chaoslab wrote, then edited, is refused', async () => {
    const stateDir = join(dir.path, 'tamper-state');
    const journal = new RevertJournal(join(stateDir, 'journal'));
    const labFile = await attackerLab();
    const fields = { runId: 'r', host: 'web1', labFile, hostIdentity: `web1 ssh 127.0.0.1:${port}`, shell: 'posix' as const, check: 'true', timeoutMs: 1000 };
    const edited = await journal.record({ ...fields, attemptId: 'edited', revert: ['true'] });
    const file = join(journal.dir, `${edited.id}.json`);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...stored, revert: [`touch ${join(dir.path, 'pwned-2')}`] }));
    const result = await runCli(['revert', '--pending'], { cwd: dir.path, env: { CHAOSLAB_STATE_DIR: stateDir, CHAOSLAB_TEST_VICTIM_PASSWORD: 'hunter2-victim' } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`journal entry ${file} refused, not replayed: not authenticated: its MAC does not match`);
    expect(result.stdout).toContain(`no pending reverts in ${journal.dir}`);
    expect(connections).toBe(0);
  });

  it('a "../" id never reaches the file system: the entry is refused and the file it names survives', async () => {
    const stateDir = join(dir.path, 'id-state');
    const journalDir = join(stateDir, 'journal');
    await mkdir(journalDir, { recursive: true, mode: 0o700 });
    const victim = join(stateDir, 'victim.json');
    await writeFile(victim, '{"keep":true}');
    await writeFile(join(journalDir, 'x.json'), JSON.stringify(plantedEntry(await attackerLab(), join(dir.path, 'pwned-3'), '../victim')), { mode: 0o600 });
    const result = await runCli(['revert', '--pending'], { cwd: dir.path, env: { CHAOSLAB_STATE_DIR: stateDir } });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/x\.json refused, not replayed: not a chaoslab journal entry: id: must be letters, digits/);
    expect(await readFile(victim, 'utf8')).toBe('{"keep":true}');
  });

  it('a state directory other users can write is refused with exit 2 before anything is read', async () => {
    const shared = join(dir.path, 'shared-tmp');
    await mkdir(join(shared, 'journal'), { recursive: true });
    await chmod(shared, 0o777);
    await writeFile(join(shared, 'journal', 'planted.json'), JSON.stringify(plantedEntry(await attackerLab(), join(dir.path, 'pwned-4'))));
    const result = await runCli(['revert', '--pending'], { cwd: dir.path, env: { CHAOSLAB_STATE_DIR: shared } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`chaoslab: CHAOSLAB_JOURNAL_UNSAFE: refusing the revert journal: ${shared} is above the journal and writable by other users without the sticky bit (mode 0777)`);
    expect(connections).toBe(0);

    // a run refuses it before its first event: nothing injected, no report written
    const run = await runCli(['run', resolve('test/fixtures/config/steps-only'), '--lab', resolve('test/fixtures/config/lab-linux.yaml'), '--out', join(dir.path, 'reports')], {
      cwd: dir.path,
      env: { CHAOSLAB_STATE_DIR: shared, LAB_KEY: 'not-a-key' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CHAOSLAB_JOURNAL_UNSAFE');
    expect(existsSync(join(dir.path, 'reports'))).toBe(false);

    const open = join(dir.path, 'open-state');
    await mkdir(join(open, 'journal'), { recursive: true, mode: 0o700 });
    await chmod(join(open, 'journal'), 0o777);
    const again = await runCli(['revert', '--pending'], { cwd: dir.path, env: { CHAOSLAB_STATE_DIR: open } });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${join(open, 'journal')} is writable by other users (mode 0777)`);
  });
});

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RevertJournal } from '../../harness/journal/journal.js';
import { registerJournal, registryFile } from '../../harness/journal/registry.js';
import { runCli } from '../support/engine-cli.js';
import { tempDir } from '../support/tmp.js';

const labFor = (address: string) =>
  ['name: lab', 'hosts:', '  - name: web1', '    platform: linux', `    address: ${address}`, '    transport: { kind: ssh, user: root, key: "env:NOPE", insecure_host_key: true }', ''].join('\n');

/** The journal is per working directory; pending reverts left by a run started elsewhere are pointed to, loudly. */
describe('pending reverts in a journal of another directory', () => {
  it('revert --pending in another directory names that journal and its hosts', async () => {
    await using dir = await tempDir();
    const env = { XDG_STATE_HOME: join(dir.path, 'xdg') };
    const first = join(dir.path, 'first');
    const second = join(dir.path, 'second');
    await mkdir(first);
    await mkdir(second);
    const journal = new RevertJournal(join(first, '.chaoslab', 'journal'));
    await journal.record({ runId: 'r1', attemptId: 'a@web1#1', host: 'web1', labFile: join(first, 'lab.yaml'), hostIdentity: 'web1 ssh 10.0.0.5:22', shell: 'posix', revert: ['true'], check: 'true', timeoutMs: 1000 });
    expect(await registerJournal(journal.dir, registryFile(env))).toBeUndefined();

    const all = await runCli(['revert', '--pending'], { cwd: second, env });
    expect(all.stdout).toContain(`no pending reverts in ${join(second, '.chaoslab', 'journal')}`);
    expect(all.stdout).toContain(`WARNING: 1 pending revert(s) for web1 are in another journal, ${journal.dir}: run \`chaoslab revert --pending\` with CHAOSLAB_STATE_DIR=${join(first, '.chaoslab')}`);

    await writeFile(join(second, 'same.yaml'), labFor('10.0.0.5'));
    const same = await runCli(['revert', '--pending', '--lab', 'same.yaml'], { cwd: second, env });
    expect(same.stdout).toContain(`in another journal, ${journal.dir}`);

    await writeFile(join(second, 'other.yaml'), labFor('10.0.0.6'));
    const other = await runCli(['revert', '--pending', '--lab', 'other.yaml'], { cwd: second, env });
    expect(other.code).toBe(0);
    expect(other.stdout).not.toContain('another journal');
  });
});

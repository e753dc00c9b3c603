import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import { runCli, startCli } from '../support/engine-cli.js';
import { BASELINE, createEngineLab, waitForContent, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/** kill -9 of the harness mid-observe leaves the drift and its journal entry; `revert --pending` undoes it. */
describe('chaoslab revert --pending after kill -9', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [{ id: 'stuck', behaviour: 'ignore', window: '60s' }]);
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('restores the baseline and empties the journal', async () => {
    const stateDir = join(lab.dir, 'state');
    const env = { CHAOSLAB_STATE_DIR: stateDir };
    const out = join(lab.dir, 'reports');
    const cli = startCli(['run', lab.scenariosDir, '--lab', lab.labFile, '--out', out], { cwd: lab.dir, env });
    await waitForContent(lab.filePath('stuck'), 'drifted\n');
    cli.child.kill('SIGKILL');
    const killed = await cli.exited;
    expect(killed.signal).toBe('SIGKILL');
    const journal = new RevertJournal(join(stateDir, 'journal'));
    const { entries } = await journal.pending();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ host: 'web1', labFile: lab.labFile, check: expect.stringContaining('stuck.conf') });
    expect(await readFile(lab.filePath('stuck'), 'utf8')).toBe('drifted\n');

    // the killed run's log folds to a crashed run whose attempt never ended
    const crashed = await foldLogFile(join(out, 'latest', 'events.jsonl'));
    expect(crashed.status).toBe('crashed');
    expect(crashed.attempts[0]!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'lab_error' });

    // an inventory of other hosts replays nothing, and says what is left for which host
    const otherLab = join(lab.dir, 'other-lab.yaml');
    await writeFile(otherLab, (await readFile(lab.labFile, 'utf8')).replace(`port: ${sshd.port}`, `port: ${sshd.port === 2 ? 3 : 2}`));
    const other = await runCli(['revert', '--pending', '--lab', otherLab], { cwd: lab.dir, env });
    expect(other.code).toBe(3);
    expect(other.stdout).toContain(`no pending reverts in ${join(stateDir, 'journal')} for the hosts of ${otherLab}`);
    expect(other.stdout).toContain(`stuck@web1#1 on web1 [web1 ssh 127.0.0.1:${sshd.port}] (run `);
    expect(other.stdout).toContain(`written with ${lab.labFile}`);
    expect(await readFile(lab.filePath('stuck'), 'utf8')).toBe('drifted\n');

    // another inventory file of the same host (issue: the container lab's file vs. the one `lab up` writes),
    // used from another working directory: the entry is matched by the host, not by the path
    const elsewhere = join(lab.dir, 'elsewhere');
    await mkdir(elsewhere);
    await copyFile(lab.labFile, join(elsewhere, 'same-hosts.yaml'));
    const report = await runCli(['revert', '--pending', '--lab', 'same-hosts.yaml'], { cwd: elsewhere, env });
    expect(report.stderr).toBe('');
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/✓ stuck@web1#1 on web1 .*reverted/);
    expect(await readFile(lab.filePath('stuck'), 'utf8')).toBe(BASELINE);
    expect((await journal.pending()).entries).toEqual([]);

    const again = await runCli(['revert', '--pending'], { cwd: lab.dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('no pending reverts');
  });
});

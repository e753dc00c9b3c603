import { existsSync, readlinkSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/tmp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevertJournal } from '../../harness/journal/journal.js';
import { runCli } from '../support/engine-cli.js';
import { createEngineLab, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * `chaoslab report prune` on real runs: the oldest run leaves a revert that
 * could not be verified (its journal entry stays pending), so prune must keep
 * it whatever the policy says, while index.json and reports/latest follow the
 * folders that are left.
 */
describe('chaoslab report prune (e2e)', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let reports: string;
  let runs: string[];
  // the per-user list of journals lives in the lab's folder too, not in the real home
  const env = () => ({ CHAOSLAB_STATE_DIR: join(lab.dir, 'state'), XDG_STATE_HOME: join(lab.dir, 'xdg') });
  const cli = (...args: string[]) => runCli(args, { cwd: lab.dir, env: env() });
  const indexed = () => (JSON.parse(readFileSync(join(reports, 'index.json'), 'utf8')) as { runs: { dir: string }[] }).runs.map((r) => r.dir);

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [
      { id: 'stuck', behaviour: 'ignore', window: '1s', sla: '1s', revertDoesNothing: true },
      { id: 'quick', behaviour: 'ignore', expect: 'ignore', window: '1s', sla: '1s' },
    ]);
    reports = join(lab.dir, 'reports');
    // the first run leaves `stuck` drifted: its revert restores nothing, the journal keeps the entry
    await cli('run', 'stuck', lab.scenariosDir, '--lab', lab.labFile, '--out', reports, '--reporter', 'json', '--no-residue-scan');
    for (let i = 0; i < 3; i += 1) await cli('run', 'quick', lab.scenariosDir, '--lab', lab.labFile, '--out', reports, '--reporter', 'json', '--no-residue-scan');
    runs = (await readdir(reports)).filter((n) => /^\d{8}T/.test(n)).sort();
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('made four runs, the oldest with a pending revert', async () => {
    expect(runs).toHaveLength(4);
    const pending = await new RevertJournal(join(lab.dir, 'state', 'journal')).pending();
    expect(pending.entries.map((e) => e.runId)).toContain(runs[0]);
  });

  it('usage errors exit 2: no limit, a bad age', async () => {
    const none = await cli('report', 'prune', '--reports', reports);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('report prune needs --keep <n> or --older-than <age>');
    const bad = await cli('report', 'prune', '--older-than', 'soon', '--reports', reports);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('give an age like 30d, 2w or 12h');
  });

  it('--older-than 30d removes nothing recent; --dry-run removes nothing at all', async () => {
    const recent = await cli('report', 'prune', '--older-than', '30d', '--reports', reports);
    expect(recent.code).toBe(0);
    expect(recent.stdout).toContain('0 run(s) removed, 4 kept');
    const dry = await cli('report', 'prune', '--keep', '1', '--dry-run', '--reports', reports);
    expect(dry.stdout).toContain(`would remove ${runs[1]}`);
    expect((await readdir(reports)).filter((n) => /^\d{8}T/.test(n))).toHaveLength(4);
  });

  it('--keep 1 removes the older runs but never the one with pending reverts; index and latest follow', async () => {
    const result = await cli('report', 'prune', '--keep', '1', '--reports', reports);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`removed ${runs[1]}`);
    expect(result.stdout).toContain(`removed ${runs[2]}`);
    expect(result.stdout).toMatch(new RegExp(`kept ${runs[0]}: \\d+ revert journal entr(y is|ies are) still pending`));
    expect((await readdir(reports)).filter((n) => /^\d{8}T/.test(n)).sort()).toEqual([runs[0], runs[3]]);
    expect(indexed()).toEqual([runs[3], runs[0]]);
    expect(readlinkSync(join(reports, 'latest'))).toBe(runs[3]);
  });

  it('removing the newest run re-points reports/latest at the newest one left', async () => {
    const result = await cli('report', 'prune', '--keep', '0', '--reports', reports);
    expect(result.stdout).toContain(`removed ${runs[3]}`);
    expect(existsSync(join(reports, runs[0]!))).toBe(true);
    expect(indexed()).toEqual([runs[0]]);
    expect(readlinkSync(join(reports, 'latest'))).toBe(runs[0]);
  });

  it('run from another working directory, with a journal of its own, prune still keeps the run whose revert is pending (issue #25)', async () => {
    await using elsewhere = await tempDir('chaoslab-prune-elsewhere-');
    const result = await runCli(['report', 'prune', '--keep', '0', '--reports', reports], { cwd: elsewhere.path, env: { XDG_STATE_HOME: join(lab.dir, 'xdg') } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`kept ${runs[0]}: \\d+ revert journal entr(y is|ies are) still pending`));
    expect(existsSync(join(reports, runs[0]!))).toBe(true);
  });
});

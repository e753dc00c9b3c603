import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { BASELINE, createEngineLab, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/** `chaoslab run` through the built CLI against a real sshd and the file healer. */
describe('chaoslab run (e2e)', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  const env = () => ({ CHAOSLAB_STATE_DIR: join(lab.dir, 'state') });

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [{ id: 'heals', behaviour: 'heal', hold: '500ms' }, { id: 'control', behaviour: 'ignore', expect: 'ignore', window: '2s' }]);
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('bad config → exit 2 with file:line, and nothing ran: no events, no journal, files untouched', async () => {
    const badDir = join(lab.dir, 'bad');
    await mkdir(badDir);
    const scenario = (await readFile(join(lab.scenariosDir, 'heals.yaml'), 'utf8')).replace(/^window: .*$/m, 'window: 1s');
    await writeFile(join(badDir, 'heals.yaml'), scenario);
    const result = await runCli(['run', badDir, '--lab', lab.labFile, '--out', join(lab.dir, 'bad-reports')], { cwd: lab.dir, env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/heals\.yaml:\d+:\d+ window: must be at least the sla/);
    expect(result.stderr).toContain('nothing was run');
    expect(existsSync(join(lab.dir, 'bad-reports'))).toBe(false);
    expect(existsSync(join(lab.dir, 'state'))).toBe(false);
    expect(await readFile(lab.healerLog, 'utf8')).toBe('');
  });

  it('unknown reporter → exit 2 before anything runs', async () => {
    const result = await runCli(['run', lab.scenariosDir, '--lab', lab.labFile, '--reporter', 'console,nope', '--out', join(lab.dir, 'bad-reports')], { cwd: lab.dir, env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown reporter nope');
    expect(existsSync(join(lab.dir, 'bad-reports'))).toBe(false);
  });

  it('runs, prints live progress, writes events, run.json and reports/latest, exits 0 when every expectation is met', async () => {
    const out = join(lab.dir, 'reports');
    const result = await runCli(['run', lab.scenariosDir, '--lab', lab.labFile, '--out', out, '--reporter', 'console,json,junit,markdown,html'], { cwd: lab.dir, env: env() });
    // every reporter rendered the live run model (a failing one would make the exit code 4)
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await readdir(join(out, 'latest'))).length).toBeGreaterThanOrEqual(6);
    expect(result.stdout).toMatch(/heals @ web1 .*healed/);
    expect(result.stdout).toMatch(/control @ web1 .*not_healed/);
    const run = JSON.parse(await readFile(join(out, 'latest', 'run.json'), 'utf8'));
    expect(run.status).toBe('completed');
    expect(run.attempts.map((a: { verdict: { kind: string } }) => a.verdict.kind).sort()).toEqual(['healed', 'not_healed']);
    expect(existsSync(join(out, 'latest', 'chaoslab.log'))).toBe(true);
    expect(await readFile(lab.filePath('heals'), 'utf8')).toBe(BASELINE);
  });

  it('a gate that fails makes the run exit 1 and says which gate', async () => {
    const result = await runCli(['run', 'control', lab.scenariosDir, '--lab', lab.labFile, '--out', join(lab.dir, 'gated'), '--reporter', 'json', '--fail-on', 'not_healed'], { cwd: lab.dir, env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('gate fail_on:not_healed failed: 1 not_healed attempt: control@web1');
  });

  it('list shows the scenarios of the catalogue', async () => {
    const result = await runCli(['list', lab.scenariosDir], { cwd: lab.dir, env: env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/scenarios \(2\)\n  control +linux +→ web1 +file_control/);
  });

  it('--dry-run prints the plan, writes it as a scorecard of dry_run attempts, and injects nothing', async () => {
    const before = await readFile(lab.healerLog, 'utf8');
    const result = await runCli(['run', lab.scenariosDir, '--lab', lab.labFile, '--dry-run', '--reporter', 'json,html', '--out', join(lab.dir, 'dry')], { cwd: lab.dir, env: env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('heals@web1#1');
    expect(result.stdout).toContain('then a residue scan: 2 read-only check(s) on 1 host(s)');
    const report = JSON.parse(await readFile(join(lab.dir, 'dry', 'latest', 'report.json'), 'utf8'));
    expect(report.run.attempts.map((a: { scenarioId: string; verdict: { kind: string; reason: string } }) => [a.scenarioId, a.verdict.kind, a.verdict.reason]).sort()).toEqual([
      ['control', 'skipped', 'dry_run'],
      ['heals', 'skipped', 'dry_run'],
    ]);
    expect(report.run.attempts.every((a: { commands: unknown[] }) => a.commands.length === 0)).toBe(true);
    expect(existsSync(join(lab.dir, 'dry', 'latest', 'index.html'))).toBe(true);
    expect(await readFile(lab.healerLog, 'utf8')).toBe(before);
  });
});

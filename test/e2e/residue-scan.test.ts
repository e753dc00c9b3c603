import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventLog } from '../../harness/events/fold.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import type { RunEvent } from '../../harness/model/events.js';
import type { ResidueCheck } from '../../harness/model/residue.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { runCli } from '../support/engine-cli.js';
import { BASELINE, createEngineLab, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * The residue scan through the built CLI, on a real sshd with the file healer:
 * a leftover planted before the run by "another campaign" (a scenario the run
 * does not include), a check that hangs past its timeout, and a fault of
 * chaoslab's own that its revert could not undo.
 */
describe('chaoslab run: residue scan after the run (e2e)', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let runs = 0;

  /** Every run gets its own reports folder and journal. */
  async function run(args: readonly string[]) {
    runs += 1;
    const out = join(lab.dir, `reports-${runs}`);
    const stateDir = join(lab.dir, `state-${runs}`);
    const result = await runCli(['run', ...args, '--lab', lab.labFile, '--out', out], { cwd: lab.dir, env: { CHAOSLAB_STATE_DIR: stateDir } });
    const runDir = join(out, 'latest');
    const events = existsSync(join(runDir, 'events.jsonl')) ? parseEventLog(await readFile(join(runDir, 'events.jsonl'), 'utf8')).events : [];
    const model = existsSync(join(runDir, 'run.json')) ? (JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as RunModel) : undefined;
    return { ...result, out, runDir, stateDir, events, model };
  }

  const checksOf = (model: RunModel | undefined): Record<string, ResidueCheck> =>
    Object.fromEntries((model?.residueScan?.hosts ?? []).flatMap((h) => h.checks).map((c) => [c.scenarioId, c]));

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [
      { id: 'heals', behaviour: 'heal', hold: '500ms' },
      { id: 'leftover', behaviour: 'ignore', startDirty: true },
      { id: 'hangs', behaviour: 'ignore', checkHangs: true },
      { id: 'sticky', behaviour: 'ignore', expect: 'ignore', sla: '1s', window: '1s', hold: '500ms', revertDoesNothing: true },
    ]);
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('finds the leftover of a scenario the run did not include; --fail-on residue exits 1; a check that cannot run is unknown', async () => {
    const result = await run(['heals', lab.scenariosDir, '--fail-on', 'residue', '--reporter', 'console,json,junit,markdown,html']);
    expect(result.stderr).toContain('chaoslab: gate fail_on:residue failed: 1 residue found on the lab after the run: leftover@web1');
    expect(result.code).toBe(1);

    // the healer's score is untouched: the one attempt healed and passed
    expect(result.model!.attempts.map((a) => [a.scenarioId, a.verdict.kind, a.passed])).toEqual([['heals', 'healed', true]]);
    const checks = checksOf(result.model);
    expect(Object.keys(checks).sort()).toEqual(['hangs', 'heals', 'leftover', 'sticky']);
    expect(checks.heals).toMatchObject({ status: 'clean' });
    expect(checks.sticky).toMatchObject({ status: 'clean' });
    expect(checks.leftover).toMatchObject({ status: 'residue', host: 'web1', checkType: 'file_leftover', exitCode: 1, evidence: `${lab.filePath('leftover')} holds drifted` });
    expect(checks.leftover).not.toHaveProperty('pendingRevert');
    expect(checks.hangs).toMatchObject({ status: 'unknown', reason: 'transport_error', detail: expect.stringMatching(/timed out/) });
    expect(result.model!.residueScan!.complete).toBe(true);

    // the log has the scan after the last attempt, and every check sent as a command
    const types = result.events.map((e) => e.type);
    const lastAttempt = types.lastIndexOf('attempt_ended');
    expect(types.indexOf('residue_scan_started')).toBeGreaterThan(lastAttempt);
    expect(types.filter((t) => t === 'residue_check')).toHaveLength(4);
    const scanCommands = result.events.filter((e): e is Extract<RunEvent, { type: 'command' }> => e.type === 'command' && e.attemptId === undefined);
    expect(scanCommands.map((c) => c.step)).toEqual(['check', 'check', 'check', 'check']);

    // read-only: the leftover is still there, nothing was injected or reverted for it
    expect(await readFile(lab.filePath('leftover'), 'utf8')).toBe('drifted\n');

    // every reporter shows it
    expect(result.stdout).toMatch(/residue scan: 1 host, 4 checks: 1 residue, 1 unknown, 2 clean/);
    expect(result.stdout).toMatch(/residue: leftover \(file_leftover\) @ web1: check exited 1: .*leftover\.conf holds drifted/);
    expect(result.stdout).toMatch(/unknown: hangs \(file_hangs\) @ web1: .*timed out/);
    expect(await readFile(join(result.runDir, 'summary.md'), 'utf8')).toMatch(/### Residue after the run[\s\S]*\| leftover \| web1 \| file_leftover \| 1 \|/);
    expect(await readFile(join(result.runDir, 'junit.xml'), 'utf8')).toMatch(/<property name="residue\.leftover" value="check exited 1: [^"]*leftover\.conf holds drifted"\/>/);
    expect(await readFile(join(result.runDir, 'index.html'), 'utf8')).toContain('id="residue"');
  });

  it('`report` re-renders the scan from the log; residue changes no verdict, only the residue gate fails', async () => {
    const source = join(lab.dir, 'reports-1', 'latest');
    // the state directory of that run holds the key that signed it: `report` signs a re-render only over a folder its keys verify
    const env = { CHAOSLAB_STATE_DIR: join(lab.dir, 'state-1') };
    const plain = await runCli(['report', source, '--reporter', 'json', '--out', join(lab.dir, 'rerender')], { cwd: lab.dir, env });
    expect(plain.code).toBe(0);
    const report = JSON.parse(await readFile(join(lab.dir, 'rerender', 'report.json'), 'utf8'));
    expect(checksOf(report.run).leftover).toMatchObject({ status: 'residue' });
    const gated = await runCli(['report', source, '--reporter', 'json', '--out', join(lab.dir, 'rerender'), '--fail-on', 'residue'], { cwd: lab.dir, env });
    expect(gated.code).toBe(1);
    expect(gated.stderr).toContain('gate fail_on:residue failed');
  });

  it('a clean host: every check passes or could not run, no residue, and the residue gate passes', async () => {
    await writeFile(lab.filePath('leftover'), BASELINE);
    const result = await run(['heals', lab.scenariosDir, '--fail-on', 'residue']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const statuses = Object.fromEntries(Object.values(checksOf(result.model)).map((c) => [c.scenarioId, c.status]));
    expect(statuses).toEqual({ heals: 'clean', leftover: 'clean', sticky: 'clean', hangs: 'unknown' });
  });

  it('--no-residue-scan: no scan, and asking for the residue gate without it is a usage error before anything runs', async () => {
    const off = await run(['heals', lab.scenariosDir, '--no-residue-scan', '--reporter', 'json']);
    expect(off.code).toBe(0);
    expect(off.events.some((e) => e.type.startsWith('residue_'))).toBe(false);
    expect(off.model).not.toHaveProperty('residueScan');

    const conflict = await run(['heals', lab.scenariosDir, '--no-residue-scan', '--fail-on', 'residue']);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain('needs the residue scan: drop --no-residue-scan');
    expect(existsSync(conflict.out)).toBe(false);
  });

  it('residue of chaoslab\'s own fault that its revert could not undo is matched with the pending journal entry', async () => {
    const result = await run(['sticky', lab.scenariosDir, '--reporter', 'console']);
    expect(result.model!.attempts[0]!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'revert_failed' });
    const { entries } = await new RevertJournal(join(result.stateDir, 'journal')).pending();
    expect(entries.map((e) => e.attemptId)).toEqual(['sticky@web1#1']);
    expect(checksOf(result.model).sticky).toMatchObject({ status: 'residue', pendingRevert: { entryId: entries[0]!.id, runId: result.model!.runId, attemptId: 'sticky@web1#1' } });
    expect(result.stdout).toMatch(/residue: sticky .* pending revert of sticky@web1#1 .*chaoslab revert --pending/);
    // the scan never reverts: the journal entry and the drift stay for `revert --pending`
    expect(await readFile(lab.filePath('sticky'), 'utf8')).toBe('drifted\n');
    await writeFile(lab.filePath('sticky'), BASELINE);
  });
});

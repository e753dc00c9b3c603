import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import { startCli } from '../support/engine-cli.js';
import { BASELINE, createEngineLab, waitForContent, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/** Ctrl-C (SIGINT) mid-run: the CLI stops, reverts what is active, writes the partial report and exits 130. */
describe('chaoslab run: SIGINT', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [
      { id: 'slow', behaviour: 'ignore', window: '60s' },
      { id: 'later', behaviour: 'heal' },
      { id: 'slow-revert', behaviour: 'ignore', window: '60s', revertDelaySeconds: 20 },
    ]);
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('reverts the active fault, never starts the rest, writes run.json as interrupted and exits 130', async () => {
    const out = join(lab.dir, 'reports');
    const stateDir = join(lab.dir, 'state');
    const cli = startCli(['run', 'slow', 'later', lab.scenariosDir, '--lab', lab.labFile, '--out', out, '--concurrency', '1'], { cwd: lab.dir, env: { CHAOSLAB_STATE_DIR: stateDir } });
    await waitForContent(lab.filePath('slow'), 'drifted\n');
    cli.child.kill('SIGINT');
    const result = await cli.exited;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('SIGINT: stopping, reverting active faults');
    expect(await readFile(lab.filePath('slow'), 'utf8')).toBe(BASELINE);
    expect((await new RevertJournal(join(stateDir, 'journal')).pending()).entries).toEqual([]);
    const run = JSON.parse(await readFile(join(out, 'latest', 'run.json'), 'utf8'));
    expect(run.status).toBe('interrupted');
    const verdicts = Object.fromEntries(run.attempts.map((a: { scenarioId: string; verdict: { kind: string; reason?: string } }) => [a.scenarioId, a.verdict]));
    expect(verdicts.slow).toMatchObject({ kind: 'inconclusive', reason: 'interrupted' });
    expect(verdicts.later).toMatchObject({ kind: 'inconclusive', reason: 'interrupted' });
    // "later" was never injected
    expect(run.attempts.find((a: { scenarioId: string }) => a.scenarioId === 'later').commands).toEqual([]);
    // the residue scan still ran, after the reverts, and found the host back at baseline
    expect(result.stderr).toContain('then scanning the hosts for residue (read-only)');
    expect(run.residueScan.complete).toBe(true);
    expect(run.residueScan.hosts[0].checks.map((c: { scenarioId: string; status: string }) => `${c.scenarioId}:${c.status}`).sort()).toEqual(['later:clean', 'slow-revert:clean', 'slow:clean']);
  });

  it('a second SIGINT exits at once; the journal keeps the revert for `revert --pending`', async () => {
    const stateDir = join(lab.dir, 'state2');
    const cli = startCli(['run', 'slow-revert', lab.scenariosDir, '--lab', lab.labFile, '--out', join(lab.dir, 'reports2')], { cwd: lab.dir, env: { CHAOSLAB_STATE_DIR: stateDir } });
    await waitForContent(lab.filePath('slow-revert'), 'drifted\n');
    cli.child.kill('SIGINT');
    await waitFor(async () => (cli.stderr().includes('stopping') ? true : undefined), { clock: systemClock, timeoutMs: 10_000, intervalMs: 20, description: 'the first SIGINT to be handled' });
    cli.child.kill('SIGINT');
    const result = await cli.exited;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('again: exiting now');
    // the revert (sleeping 20 s on the host) never finished: the drift and its journal entry remain
    expect(await readFile(lab.filePath('slow-revert'), 'utf8')).toBe('drifted\n');
    const { entries } = await new RevertJournal(join(stateDir, 'journal')).pending();
    expect(entries.map((e) => e.attemptId)).toEqual(['slow-revert@web1#1']);
  });
});

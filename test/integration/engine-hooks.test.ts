import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevertJournal } from '../../harness/journal/journal.js';
import { BASELINE, createEngineLab, runLabSession, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { tempDir } from '../support/tmp.js';

/**
 * Hooks through the real engine over real sshd with the real file healer:
 * they run on the controller at the right moments (before_attempt sees the
 * host still at baseline, after_attempt sees it reverted), with the attempt in
 * their environment; a failing or hanging hook changes no verdict and leaves
 * no fault behind.
 */
describe('hooks in a real run', () => {
  let sshd: SshdFixture;
  const labs: EngineLab[] = [];
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    for (const lab of labs) await lab[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('run and attempt hooks see the run, the attempt, its verdict and its times; before_attempt runs before the injection', async () => {
    await using out = await tempDir();
    const log = join(out.path, 'hooks.log');
    // hooks run in the inventory's folder: files/heals.conf is the scenario's file there
    const lab = await createEngineLab(sshd, [{ id: 'heals', behaviour: 'heal' }], [], {
      labLines: [
        'hooks:',
        `  before_run: 'echo "before_run $CHAOSLAB_RUN_ID $CHAOSLAB_ATTEMPT_COUNT" >> ${log}'`,
        `  before_attempt: 'echo "before_attempt $CHAOSLAB_SCENARIO $CHAOSLAB_HOST $(cat files/heals.conf)" >> ${log}'`,
        `  after_attempt: 'echo "after_attempt $CHAOSLAB_ATTEMPT_ID $CHAOSLAB_VERDICT $CHAOSLAB_PASSED $CHAOSLAB_INJECTED_AT $CHAOSLAB_REVERTED_AT $(cat files/heals.conf)" >> ${log}'`,
        `  after_run: { run: 'echo "after_run $CHAOSLAB_PASSED_COUNT/$CHAOSLAB_SCORED_COUNT" >> ${log}', timeout: 5s }`,
      ],
    });
    labs.push(lab);
    const result = await runLabSession(lab, { journal: new RevertJournal(join(lab.dir, 'journal')), reportsRoot: join(lab.dir, 'reports') });
    const [attempt] = result.model.attempts;
    expect(attempt!.verdict.kind).toBe('healed');
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines.map((line) => line.split(' ')[0])).toEqual(['before_run', 'before_attempt', 'after_attempt', 'after_run']);
    expect(lines[0]).toBe(`before_run ${result.runId} 1`);
    // before the injection, the host's file was still at its baseline
    expect(lines[1]).toBe(`before_attempt heals web1 ${BASELINE.trim()}`);
    const [, id, verdict, passed, injectedAt, revertedAt, content] = lines[2]!.split(' ');
    expect([id, verdict, passed, content]).toEqual([attempt!.attemptId, 'healed', 'true', BASELINE.trim()]);
    expect(Number(injectedAt)).toBe(Math.round(attempt!.t0Wall!));
    expect(Number(revertedAt)).toBeGreaterThan(Number(injectedAt));
    expect(lines[3]).toBe('after_run 1/1');
    // each hook run is evidence: a command of step hook on the controller
    const hookCommands = attempt!.commands.filter((c) => c.step === 'hook');
    expect(hookCommands.map((c) => [c.host, c.exitCode])).toEqual([['controller', 0], ['controller', 0]]);
  });

  it('a failing before_attempt and a hanging after_attempt are warnings: the verdict stands, the fault is reverted', async () => {
    const lab = await createEngineLab(sshd, [{ id: 'heals', behaviour: 'heal' }], [], {
      labLines: ['hooks:', '  before_attempt: \'echo "annotation service down" >&2; exit 7\'', '  after_attempt: { run: \'sleep 30\', timeout: 300ms }'],
    });
    labs.push(lab);
    const journal = new RevertJournal(join(lab.dir, 'journal'));
    const result = await runLabSession(lab, { journal, reportsRoot: join(lab.dir, 'reports') });
    const [attempt] = result.model.attempts;
    expect(attempt!.verdict.kind).toBe('healed');
    expect(result.exitCode).toBe(0);
    expect(await readFile(lab.filePath('heals'), 'utf8')).toBe(BASELINE);
    expect((await journal.pending()).entries).toEqual([]);
    const warnings = result.model.notes.filter((n) => n.level === 'warn').map((n) => n.message);
    expect(warnings).toContain(`hook before_attempt of ${attempt!.attemptId} failed (exit 7): annotation service down`);
    expect(warnings).toContain(`hook after_attempt of ${attempt!.attemptId} failed (timed out after 300 ms and was killed)`);
  });
});

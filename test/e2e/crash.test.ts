import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevertJournal } from '../../harness/journal/journal.js';
import { startCli } from '../support/engine-cli.js';
import { BASELINE, createEngineLab, waitForContent, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

const CRASHER = fileURLToPath(new URL('../support/crash-on-sigusr2.mjs', import.meta.url));

/**
 * An unexpected error mid-run (a bug outside any awaited code) must not leave
 * the lab drifted: the CLI stops the run as on a first Ctrl-C, reverts the
 * active fault, writes the report, and exits 3. The crash is real: a module
 * preloaded into the CLI throws when the test sends it SIGUSR2.
 */
describe('chaoslab run: an unexpected error mid-run', () => {
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

  for (const kind of ['exception', 'rejection'] as const) {
    it(`an unhandled ${kind} reverts the active fault, records the run and exits 3`, async () => {
      const stateDir = join(lab.dir, `state-${kind}`);
      const out = join(lab.dir, `reports-${kind}`);
      const cli = startCli(['run', 'stuck', lab.scenariosDir, '--lab', lab.labFile, '--out', out, '--no-residue-scan'], {
        cwd: lab.dir,
        env: { CHAOSLAB_STATE_DIR: stateDir, NODE_OPTIONS: `--import ${CRASHER}`, CHAOSLAB_TEST_CRASH_KIND: kind },
      });
      await waitForContent(lab.filePath('stuck'), 'drifted\n');
      cli.child.kill('SIGUSR2');
      const result = await cli.exited;
      expect(result.stderr).toContain(`chaoslab: unexpected error: Error: deliberate crash for the test (${kind === 'exception' ? 'uncaught exception' : 'unhandled rejection'})`);
      expect(result.stderr).toContain('stopping the run: reverting active faults before exiting');
      expect(result.code).toBe(3);
      expect(await readFile(lab.filePath('stuck'), 'utf8')).toBe(BASELINE);
      expect((await new RevertJournal(join(stateDir, 'journal')).pending()).entries).toEqual([]);
      const run = JSON.parse(await readFile(join(out, 'latest', 'run.json'), 'utf8'));
      expect(run.attempts[0].verdict).toMatchObject({ kind: 'inconclusive', reason: 'interrupted' });
    });
  }
});

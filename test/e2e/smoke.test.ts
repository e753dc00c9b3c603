import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestAttempts, startTestLab, type TestLab } from '../support/lab-cluster.js';
import { tempDir } from '../support/tmp.js';

/**
 * The smoke suite end to end through the CLI against a real container lab
 * running the reference healer: two heals and an escalation, all as expected.
 */
let lab: TestLab;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dir = await tempDir('chaoslab-smoke-');
  lab = await startTestLab(`smoke-e2e-${process.pid}`, dir.path);
  // The first test process on a fresh machine builds the lab image (debootstrap: minutes).
}, 900_000);

afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
  await dir?.[Symbol.asyncDispose]();
});

describe('chaoslab run --suite smoke against the embedded lab', () => {
  it('heals two drifts and escalates the resolver hijack, exit 0', async () => {
    const out = join(dir.path, 'reports');
    const result = await lab.cli(['run', '--suite', 'smoke', '--lab', lab.file, '--out', out, '--reporter', 'console,json']);
    expect(result.stderr).not.toMatch(/CHAOSLAB_/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/3\/3 passed \(100%\)/);
    const attempts = await latestAttempts(out);
    const verdicts = Object.fromEntries(attempts.map((a) => [a.scenarioId, a.verdict.kind]));
    expect(verdicts).toEqual({ 'lin-ssh-root-login': 'healed', 'lin-dns-service': 'healed', 'lin-dns-resolver': 'escalated' });
    expect(attempts.map((a) => a.host).sort()).toEqual([`lin-db-1`, `lin-web-1`, `lin-web-1`]);
    // After the run every host is back at baseline and the lab is healthy.
    const status = await lab.cli(['lab', 'status', '--lab', lab.file, '--json']);
    expect(status.code).toBe(0);
    expect((JSON.parse(status.stdout) as { state: string }[]).map((h) => h.state)).toEqual(['running', 'running', 'running']);
  }, 300_000);
});

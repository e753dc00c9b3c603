import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestAttempts, type TestLab } from '../support/lab-cluster.js';
import { acceptedClaims, latestEvents, startStackLab } from '../support/stack-lab.js';
import { tempDir } from '../support/tmp.js';

/**
 * Puppet 7.23 as the healing stack, end to end through the CLI: a lab host
 * running the real `puppet apply` on lab/healers/puppet/manifests (lab-converge),
 * observed through its report file and its log as lab/puppet.yaml configures them.
 */
let lab: TestLab;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dir = await tempDir('chaoslab-puppet-');
  lab = await startStackLab(`puppet-it-${process.pid}`, dir.path, 'lab/puppet.yaml');
}, 900_000);

afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
  await dir?.[Symbol.asyncDispose]();
});

describe('chaoslab run against a Puppet lab', () => {
  it('judges its shadow permissions repair (in its report and in its log) one heal, and the set-uid file it has no resource for an expected not_healed', async () => {
    const out = join(dir.path, 'reports');
    const result = await lab.cli(['run', 'scenarios/linux', 'lin-shadow-perms', 'lin-suid', '--lab', lab.file, '--out', out, '--reporter', 'console,json', '--no-residue-scan']);
    expect(result.stderr, result.stdout + result.stderr).not.toMatch(/CHAOSLAB_/);
    expect([0, 1], result.stdout + result.stderr).toContain(result.code);
    const attempts = await latestAttempts(out);
    const verdicts = Object.fromEntries(attempts.map((a) => [a.scenarioId, [a.verdict.kind, a.passed]]));
    expect(verdicts).toEqual({ 'lin-shadow-perms': ['healed', true], 'lin-suid': ['not_healed', true] });
    expect(result.code).toBe(0);
    // the same repair came from both of Puppet's outputs, and the verdict is still one heal
    const shadow = attempts.find((a) => a.scenarioId === 'lin-shadow-perms')!;
    const claims = acceptedClaims(await latestEvents(out), shadow.attemptId);
    expect(new Set(claims.map((claim) => claim.source))).toEqual(new Set(['puppet-report', 'puppet-log']));
  }, 900_000);
});

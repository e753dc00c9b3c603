import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestAttempts, type TestLab } from '../support/lab-cluster.js';
import { acceptedClaims, duplicateRecords, latestEvents, startStackLab } from '../support/stack-lab.js';
import { tempDir } from '../support/tmp.js';

/**
 * CFEngine 3.21 as the healing stack, end to end through the CLI: a lab host
 * running the real cf-agent on lab/healers/cfengine/promises.cf (lab-converge),
 * observed through cf-agent's own log as lab/cfengine.yaml configures it.
 */
let lab: TestLab;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dir = await tempDir('chaoslab-cfengine-');
  lab = await startStackLab(`cfengine-it-${process.pid}`, dir.path, 'lab/cfengine.yaml');
}, 900_000);

afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
  await dir?.[Symbol.asyncDispose]();
});

describe('chaoslab run against a CFEngine lab', () => {
  it('judges its SMB signing repair (reported twice: smb.conf edited, smbd restarted) one heal, and its uncovered authorized_keys drift an expected not_healed', async () => {
    const out = join(dir.path, 'reports');
    const result = await lab.cli(['run', 'scenarios/linux', 'lin-smb-signing', 'lin-persist-ssh-key', '--lab', lab.file, '--out', out, '--reporter', 'console,json', '--no-residue-scan']);
    expect(result.stderr, result.stdout + result.stderr).not.toMatch(/CHAOSLAB_/);
    expect([0, 1], result.stdout + result.stderr).toContain(result.code);
    const attempts = await latestAttempts(out);
    const verdicts = Object.fromEntries(attempts.map((a) => [a.scenarioId, [a.verdict.kind, a.passed]]));
    expect(verdicts).toEqual({ 'lin-smb-signing': ['healed', true], 'lin-persist-ssh-key': ['not_healed', true] });
    expect(result.code).toBe(0);
    // both report lines of the one repair reached chaoslab: one counted, the same-stamped repeat set aside, one heal
    const smb = attempts.find((a) => a.scenarioId === 'lin-smb-signing')!;
    const events = await latestEvents(out);
    expect(acceptedClaims(events, smb.attemptId).map((claim) => claim.source)).toContain('cf-agent-log');
    expect(duplicateRecords(events, smb.attemptId).map((record) => record.source)).toContain('cf-agent-log');
  }, 600_000);
});

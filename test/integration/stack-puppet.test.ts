import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestAttempts, type TestLab } from '../support/lab-cluster.js';
import { acceptedClaims, duplicateRecords, latestEvents, startStackLab } from '../support/stack-lab.js';
import { tempDir } from '../support/tmp.js';

/**
 * Puppet 7.23 as the healing stack, end to end through the CLI: a lab host
 * running the real `puppet apply` on lab/healers/puppet/manifests (lab-converge),
 * observed through its report file and its log as lab/puppet.yaml configures them.
 */
let lab: TestLab;
let dir: Awaited<ReturnType<typeof tempDir>>;

/**
 * lin-smb-signing with a longer window: one `puppet apply` took 5–350 s on this
 * shared 2-core machine (Ruby compiling the catalog), so the catalogue's 45-s
 * window would test the machine's load, not how Puppet is read. The hold is
 * long too: Puppet logs the setting when it changes and smbd's refresh once the
 * restart has finished, and the attempt stops reading the log when its hold
 * ends; a 60-s hold keeps a slow restart's line inside the attempt.
 */
const SLOW_SMB = `id: puppet-smb-signing
title: SMB server signing no longer required (window sized for a slow puppet apply)
platform: linux
target: db
check_type: smb_signing
resources: ['file:/etc/samba/smb.conf']
sla: 300s
window: 360s
hold: 60s
expect: {outcome: heal}
fault:
  use: linux.samba_signing
  with: {value: disabled}
`;

beforeAll(async () => {
  dir = await tempDir('chaoslab-puppet-');
  await mkdir(join(dir.path, 'scenarios'));
  await writeFile(join(dir.path, 'scenarios', 'puppet-smb-signing.yaml'), SLOW_SMB);
  lab = await startStackLab(`puppet-it-${process.pid}`, dir.path, 'lab/puppet.yaml');
}, 900_000);

afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
  await dir?.[Symbol.asyncDispose]();
});

describe('chaoslab run against a Puppet lab', () => {
  it('judges its SMB signing repair (logged twice: the setting, then smbd\'s refresh) one heal, and the set-uid file it has no resource for an expected not_healed', async () => {
    const out = join(dir.path, 'reports');
    const result = await lab.cli(['run', 'scenarios/linux', join(dir.path, 'scenarios'), 'puppet-smb-signing', 'lin-suid', '--lab', lab.file, '--out', out, '--reporter', 'console,json', '--no-residue-scan']);
    expect(result.stderr, result.stdout + result.stderr).not.toMatch(/CHAOSLAB_/);
    expect([0, 1], result.stdout + result.stderr).toContain(result.code);
    const attempts = await latestAttempts(out);
    const verdicts = Object.fromEntries(attempts.map((a) => [a.scenarioId, [a.verdict.kind, a.passed]]));
    expect(verdicts).toEqual({ 'puppet-smb-signing': ['healed', true], 'lin-suid': ['not_healed', true] });
    expect(result.code).toBe(0);
    // Puppet logged the one repair twice (Ini_setting, then Service[smbd]'s refresh), and both lines
    // reached chaoslab: one heal either way. Its log stamps whole seconds, so when smbd restarts within
    // the second both lines carry one stamp and the second is set aside as a repeat of the first;
    // a slower restart gives two claims. (Its report comes at the end of the run, often after the
    // attempt has settled.)
    const smb = attempts.find((a) => a.scenarioId === 'puppet-smb-signing')!;
    const events = await latestEvents(out);
    const claims = acceptedClaims(events, smb.attemptId).filter((claim) => claim.source === 'puppet-log');
    const repeats = duplicateRecords(events, smb.attemptId).filter((record) => record.source === 'puppet-log');
    const seen = events.filter((event) => event.attemptId === smb.attemptId && event.source === 'puppet-log');
    expect(claims.length, JSON.stringify(seen)).toBeGreaterThanOrEqual(1);
    expect(claims.length + repeats.length, JSON.stringify(seen)).toBeGreaterThanOrEqual(2);
  }, 900_000);
});

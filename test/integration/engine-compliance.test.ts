import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Importing the Linux fault library registers its faults, as the CLI does.
import { RevertJournal } from '../../harness/journal/journal.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { createEngineLab, runLabSession, type EngineLab, type FileScenario } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * Ground truth tests compliance, not the baseline value. The built-in
 * `linux.sshd_option` fault drifts an sshd_config (a copy in the lab's temp
 * dir, over a real sshd) to `PermitRootLogin yes`; the real file healer fixes
 * it the way a CIS policy does, to `no`, although the snapshot held
 * `prohibit-password`. Revert must still restore the snapshot byte for byte.
 */
const SSHD_CONFIG = '# lab baseline\nPort 22\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n';
const CIS_FIXED = SSHD_CONFIG.replace('PermitRootLogin prohibit-password', 'PermitRootLogin no');
const rootLogin = (compliant: string) => (file: string) => `{ use: linux.sshd_option, with: { option: PermitRootLogin, value: 'yes', path: ${file}${compliant} } }`;

const SCENARIOS: FileScenario[] = [
  // the fault's default compliant set: every value that refuses root a password
  { id: 'cis-default-set', behaviour: 'heal', content: SSHD_CONFIG, healTo: CIS_FIXED, fault: rootLogin('') },
  // an author who declares the set narrower than the healer's value gets the healer's claim refuted
  { id: 'cis-narrow-set', behaviour: 'heal', content: SSHD_CONFIG, healTo: CIS_FIXED, fault: rootLogin(', compliant: [prohibit-password]') },
];

describe('a heal to another compliant value, over real sshd', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let model: RunModel;

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, SCENARIOS);
    const result = await runLabSession(lab, { journal: new RevertJournal(join(lab.dir, 'journal')), reportsRoot: join(lab.dir, 'reports') });
    model = result.model;
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  const attempt = (id: string) => model.attempts.find((a) => a.scenarioId === id)!;

  it('PermitRootLogin fixed to `no` where the baseline was `prohibit-password` → healed', () => {
    const healed = attempt('cis-default-set');
    expect(healed.verdict.kind, JSON.stringify(healed.verdict)).toBe('healed');
    expect(healed.funnel).toMatchObject({ driftConfirmed: true, claimed: true, restored: true, stayedRestored: true });
  });

  it('a compliant set declared as only the baseline value refutes that heal → false_heal', () => {
    expect(attempt('cis-narrow-set').verdict.kind).toBe('false_heal');
  });

  it('revert restores the snapshot byte for byte, not the healer\'s compliant value', async () => {
    for (const id of ['cis-default-set', 'cis-narrow-set']) expect(await readFile(lab.filePath(id), 'utf8')).toBe(SSHD_CONFIG);
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../harness/engine/session.js';
import { foldLogFile } from '../../harness/events/fold.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import type { AttemptResult } from '../../harness/model/run-model.js';
import { BASELINE, createEngineLab, runLabSession, type EngineLab, type FileScenario } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * The engine end to end over a real sshd against the real file healer (its
 * own process): every verdict, decided from real commands and real log lines.
 */
const SCENARIOS: FileScenario[] = [
  { id: 'heals', behaviour: 'heal' },
  // the claim comes at least 8 s after the drift is noticed: late even if noticing took seconds
  { id: 'heals-late', behaviour: 'heal-late', sla: '2s', window: '20s', delayMs: 10_000 },
  { id: 'never', behaviour: 'ignore', window: '3s' },
  { id: 'lies', behaviour: 'claim-without-fix' },
  { id: 'quiet', behaviour: 'fix-without-claim', window: '12s' },
  // the drift comes back 2.5 s after the heal (several probes see the restore first) and well inside the hold
  { id: 'flaps', behaviour: 'flap', hold: '10s', flapAfterMs: 2500 },
  { id: 'escalates', behaviour: 'escalate', expect: 'escalate', window: '12s' },
  { id: 'control', behaviour: 'ignore', expect: 'ignore', window: '2s' },
  { id: 'dirty', behaviour: 'ignore', startDirty: true },
  { id: 'no-take', behaviour: 'heal', injectionDoesNotTake: true },
];

describe('engine against real sshd and the file healer', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let result: SessionResult;
  let byId: Map<string, AttemptResult>;

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, SCENARIOS);
    result = await runLabSession(lab, { journal: new RevertJournal(join(lab.dir, 'journal')), reportsRoot: join(lab.dir, 'reports') });
    byId = new Map(result.model.attempts.map((a) => [a.scenarioId, a]));
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it.each([
    ['heals', 'healed', true],
    ['heals-late', 'healed_late', false],
    ['never', 'not_healed', false],
    ['lies', 'false_heal', false],
    ['quiet', 'silent_heal', false],
    ['flaps', 'flapped', false],
    ['escalates', 'escalated', true],
    ['control', 'not_healed', true],
  ] as const)('%s → %s (passed: %s)', (id, kind, passed) => {
    const attempt = byId.get(id)!;
    expect(attempt.verdict.kind, JSON.stringify(attempt.verdict)).toBe(kind);
    expect(attempt.passed).toBe(passed);
  });

  it('a host that is not at baseline is never injected: inconclusive baseline_dirty', () => {
    const attempt = byId.get('dirty')!;
    expect(attempt.verdict).toMatchObject({ kind: 'inconclusive', reason: 'baseline_dirty' });
    expect(attempt.commands.some((c) => c.step === 'inject')).toBe(false);
  });

  it('an injection that does not take: inconclusive injection_not_applied', () => {
    expect(byId.get('no-take')!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'injection_not_applied' });
  });

  it('times the heal from t0 and records runbook, tier, commands and signals as evidence', () => {
    const healed = byId.get('heals')!;
    // order and SLA only: absolute times depend on how busy the machine is
    expect(healed.timings.detectMs).toBeLessThan(healed.timings.claimMs!);
    expect(healed.timings.claimMs).toBeLessThanOrEqual(healed.slaMs);
    expect(healed.timings.restoreMs).toBeLessThanOrEqual(healed.slaMs + 250);
    expect(healed.observedRunbook).toBe('RB-heals');
    expect(healed.runbookMismatch).toBe(false);
    expect(healed.funnel).toMatchObject({ injected: true, driftConfirmed: true, detected: true, claimed: true, restored: true, stayedRestored: true });
    expect(healed.signals.map((s) => s.kind)).toEqual(['detected', 'claimed_healed']);
    expect(healed.commands.map((c) => c.step)).toEqual(expect.arrayContaining(['preflight', 'snapshot', 'inject', 'check', 'revert']));
  });

  it('reverts every attempt and clears the journal; every file is back at baseline', async () => {
    for (const s of SCENARIOS.filter((x) => !x.startDirty)) expect(await readFile(lab.filePath(s.id), 'utf8')).toBe(BASELINE);
    expect((await new RevertJournal(join(lab.dir, 'journal')).pending()).entries).toEqual([]);
  });

  it('writes events.jsonl that folds to the same model, run.json and reports/latest', async () => {
    const folded = await foldLogFile(join(result.runDir, 'events.jsonl'));
    expect(folded.attempts.map((a) => a.verdict.kind)).toEqual(result.model.attempts.map((a) => a.verdict.kind));
    expect(folded.status).toBe('completed');
    const runJson = JSON.parse(await readFile(join(result.runDir, 'run.json'), 'utf8'));
    expect(runJson.runId).toBe(result.runId);
    expect(await readFile(join(lab.dir, 'reports', 'latest', 'events.jsonl'), 'utf8')).toContain(result.runId);
    expect(result.exitCode).toBe(1);
  });
});

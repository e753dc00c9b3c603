import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevertJournal } from '../../harness/journal/journal.js';
import type { RunEvent } from '../../harness/model/events.js';
import { LOST_HOST, OTHER_HOST, runAndPauseMidAttempt, startLostHostLab, type LostHostLab } from '../support/lost-host.js';
import { tempDir } from '../support/tmp.js';

/** The target: a host that stops answering is declared lost this soon after it froze. */
const DETECTION_TARGET_MS = 15_000;

/**
 * A container lab host frozen with `podman pause` mid-attempt (it neither
 * answers nor closes anything): declared lost by the ssh keepalive within the
 * target, quarantined at once without waiting out revert or probe timeouts, its
 * revert left in the journal; the other host's attempt goes on and is judged.
 */
describe('engine: a host paused mid-attempt', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let lost: LostHostLab;

  beforeAll(async () => {
    dir = await tempDir('chaoslab-lost-host-');
    lost = await startLostHostLab(`lost-host-${process.pid}`, dir.path);
  }, 900_000);

  afterAll(async () => {
    await lost?.[Symbol.asyncDispose]();
    await dir?.[Symbol.asyncDispose]();
  });

  it('is declared lost within 15 s, keeps its journal entry, and the other host is still judged', async () => {
    const journal = new RevertJournal(join(dir.path, 'journal'));
    const trial = await runAndPauseMidAttempt(lost, journal, join(dir.path, 'reports'));
    const { model } = trial.result;
    const lostAttempt = model.attempts.find((a) => a.host === LOST_HOST)!;
    const otherAttempt = model.attempts.find((a) => a.host === OTHER_HOST)!;

    expect(lostAttempt.verdict).toMatchObject({ kind: 'inconclusive', reason: 'transport_lost' });
    expect(lostAttempt.verdict.kind === 'inconclusive' && lostAttempt.verdict.detail).toMatch(/host stopped answering.*journal entry \S+ kept/);
    const quarantine = trial.events.find((e): e is Extract<RunEvent, { type: 'host_quarantined' }> => e.type === 'host_quarantined' && e.host === LOST_HOST);
    expect(quarantine).toMatchObject({ reason: 'transport_lost', detail: expect.stringMatching(/host stopped answering/) });
    expect(trial.detectionMs).toBeLessThan(DETECTION_TARGET_MS);

    // the other host's attempt went on past the quarantine and was judged on its own merits
    expect(otherAttempt.verdict.kind).toBe('not_healed');
    expect(otherAttempt.passed).toBe(true);
    const ended = trial.events.find((e) => e.type === 'attempt_ended' && e.attemptId === otherAttempt.attemptId)!;
    expect(ended.ts).toBeGreaterThan(quarantine!.ts);
    expect(model.hosts.find((h) => h.name === OTHER_HOST)!.quarantined).toBeUndefined();

    // the revert that could not run waits in the journal for `chaoslab revert --pending`
    expect((await journal.pending()).entries.map((e) => e.attemptId)).toEqual([lostAttempt.attemptId]);
  }, 300_000);
});

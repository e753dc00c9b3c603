import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../harness/engine/session.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import type { AttemptResult } from '../../harness/model/run-model.js';
import { createEngineLab, runLabSession, type EngineLab } from '../support/engine-lab.js';
import { startHttpStack } from '../support/http-stack.js';
import { startPostgres } from '../support/postgres.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * The engine over a real sshd and the real file healer, but the stack's side
 * cannot be read for the whole window: its telemetry database is down and its
 * API refuses chaoslab's token. The host is healed for real, yet without the
 * stack's signals the claim cannot be judged: inconclusive (observer_unavailable),
 * a lab problem, not a silent heal; likewise an escalation that cannot be seen,
 * and drift that stayed: with no view of the stack at all, a monitoring outage
 * is never scored as the healer's failure.
 */
describe('observers unavailable for the whole window', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let result: SessionResult;
  let byId: Map<string, AttemptResult>;

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [
      { id: 'healed-unseen', behaviour: 'heal' },
      { id: 'never-healed', behaviour: 'ignore', window: '3s' },
      { id: 'escalation-unseen', behaviour: 'escalate', expect: 'escalate', window: '3s' },
    ]);
    // a database that was there and is gone, and an API that answers 401 to our token
    const db = await startPostgres();
    const dbUrl = db.url;
    await db.close();
    await using api = await startHttpStack({ authorization: 'Bearer the-right-token' });
    const inventory = await readFile(lab.labFile, 'utf8');
    await writeFile(lab.labFile, inventory.slice(0, inventory.indexOf('observers:')) + [
      'observers:',
      '  - { name: telemetry, kind: postgres, url: "env:OBS_TEST_DB_URL", query: "SELECT * FROM execution_telemetry WHERE created_at >= :cursor" }',
      `  - { name: incidents-api, kind: http, url: "${api.url}/events", auth: { type: bearer, token: "env:OBS_TEST_TOKEN" } }`,
      '',
    ].join('\n'));
    process.env.OBS_TEST_DB_URL = dbUrl;
    process.env.OBS_TEST_TOKEN = 'a-wrong-token';
    result = await runLabSession(lab, { journal: new RevertJournal(join(lab.dir, 'journal')), reportsRoot: join(lab.dir, 'reports'), concurrency: 1 });
    byId = new Map(result.model.attempts.map((a) => [a.scenarioId, a]));
    expect(api.requests.some((r) => r.authorization === 'Bearer a-wrong-token')).toBe(true);
  });

  afterAll(async () => {
    delete process.env.OBS_TEST_DB_URL;
    delete process.env.OBS_TEST_TOKEN;
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it.each(['healed-unseen', 'escalation-unseen', 'never-healed'])('%s is inconclusive (observer_unavailable)', (id) => {
    const attempt = byId.get(id)!;
    expect(attempt.verdict, JSON.stringify(attempt.verdict)).toMatchObject({ kind: 'inconclusive', reason: 'observer_unavailable' });
    expect(attempt.passed).toBe(false);
  });

  it('records why each observer could not be read', async () => {
    const events = (await readFile(join(result.runDir, 'events.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { type: string; observer?: string; message?: string });
    const errors = events.filter((e) => e.type === 'observer_error');
    expect(errors.find((e) => e.observer === 'telemetry')?.message).toMatch(/ECONNREFUSED/);
    expect(errors.find((e) => e.observer === 'incidents-api')?.message).toMatch(/401 Unauthorized: check its credentials/);
  });
});

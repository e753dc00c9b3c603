import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventLog } from '../../harness/events/fold.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import type { AttemptResult } from '../../harness/model/run-model.js';
import { BASELINE, createEngineLab, runLabSession, waitForContent, type EngineLab, type FileScenario } from '../support/engine-lab.js';
import { startAlertmanager, type PromServer } from '../support/prometheus.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * Halt conditions through the real engine over real sshd: a real Alertmanager
 * alert or a stop file mid-run stops all injection, the active fault is
 * reverted and verified, attempts not started are skipped (halted), exit 5.
 * Windows are long (60 s), so a run that ends early was stopped, not finished.
 */
const SCENARIOS: FileScenario[] = ['first', 'second', 'third'].map((id) => ({ id, behaviour: 'ignore', expect: 'ignore', window: '60s', sla: '60s' }));

describe('halt conditions in a real run', () => {
  let sshd: SshdFixture;
  let alertmanager: PromServer;
  const labs: EngineLab[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    alertmanager = await startAlertmanager();
  });
  afterAll(async () => {
    for (const lab of labs) await lab[Symbol.asyncDispose]();
    await alertmanager?.close();
    await sshd?.[Symbol.asyncDispose]();
  });

  async function lab(haltLines: string[]): Promise<EngineLab> {
    const created = await createEngineLab(sshd, SCENARIOS, [], { labLines: ['halt:', ...haltLines] });
    labs.push(created);
    return created;
  }

  async function checkStopped(target: EngineLab, result: Awaited<ReturnType<typeof runLabSession>>, journal: RevertJournal): Promise<Map<string, AttemptResult>> {
    const byId = new Map(result.model.attempts.map((a) => [a.scenarioId, a]));
    expect(result.exitCode).toBe(5);
    expect(result.model.status).toBe('halted');
    // the active attempt was stopped and reverted; the others never started
    expect(byId.get('first')!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'interrupted' });
    expect(byId.get('first')!.phases.find((p) => p.phase === 'verify_baseline')?.ok).toBe(true);
    for (const id of ['second', 'third']) expect(byId.get(id)!.verdict).toMatchObject({ kind: 'skipped', reason: 'halted' });
    for (const { id } of SCENARIOS) expect(await readFile(target.filePath(id), 'utf8')).toBe(BASELINE);
    expect((await journal.pending()).entries).toEqual([]);
    expect(result.model.durationMs).toBeLessThan(45_000);
    return byId;
  }

  it('an Alertmanager alert fired mid-run halts it: the active fault is reverted, nothing else is injected, exit 5', async () => {
    const target = await lab(['  - name: db-down', '    kind: alertmanager', `    url: ${alertmanager.url}`, '    matchers: [\'alertname="DatabaseDown"\']']);
    const journal = new RevertJournal(join(target.dir, 'journal'));
    const running = runLabSession(target, { journal, reportsRoot: join(target.dir, 'reports'), concurrency: 1 });
    await waitForContent(target.filePath('first'), 'drifted\n');
    const firedAt = Date.now();
    const posted = await fetch(`${alertmanager.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'DatabaseDown', severity: 'critical' }, startsAt: new Date().toISOString() }]),
    });
    expect(posted.status).toBe(200);
    const result = await running;
    await checkStopped(target, result, journal);
    expect(result.model.halt).toMatchObject({ condition: 'db-down', kind: 'alertmanager' });
    expect(result.model.halt!.detail).toMatch(/1 alert\(s\) firing for alertname="DatabaseDown": DatabaseDown/);
    expect(result.model.halt!.evidence).toEqual([{ labels: { alertname: 'DatabaseDown', severity: 'critical' }, startsAt: expect.any(String) }]);
    // the halt event followed the alert within a few evaluation intervals (bench/halt-latency.ts measures it)
    const { events } = parseEventLog(await readFile(join(result.runDir, 'events.jsonl'), 'utf8'));
    const haltEvent = events.find((e) => e.type === 'run_halted')!;
    expect(haltEvent.ts - firedAt).toBeLessThan(10_000);
    expect(result.model.notes.map((n) => n.message)).toContainEqual(expect.stringMatching(/^run halted: halt condition db-down \(alertmanager\)/));
  });

  it('an operator\'s stop file halts the run the same way', async () => {
    const target = await lab(['  - name: kill-switch', '    kind: stop_file', '    path: STOP-FILE']);
    const stopFile = join(target.dir, 'STOP');
    // the path is written into the inventory now that the lab folder is known
    await writeFile(target.labFile, (await readFile(target.labFile, 'utf8')).replace('STOP-FILE', stopFile));
    const journal = new RevertJournal(join(target.dir, 'journal'));
    const running = runLabSession(target, { journal, reportsRoot: join(target.dir, 'reports'), concurrency: 1 });
    await waitForContent(target.filePath('first'), 'drifted\n');
    await writeFile(stopFile, 'maintenance window\n');
    const result = await running;
    await checkStopped(target, result, journal);
    expect(result.model.halt).toMatchObject({ condition: 'kill-switch', kind: 'stop_file', detail: `stop file ${stopFile} exists` });
  });

  it('a halt condition that cannot be evaluated at start: nothing is injected, every attempt is not started, exit 3', async () => {
    const target = await lab(['  - name: db-down', '    kind: alertmanager', '    url: http://127.0.0.1:1', '    matchers: [\'alertname="DatabaseDown"\']']);
    const journal = new RevertJournal(join(target.dir, 'journal'));
    const result = await runLabSession(target, { journal, reportsRoot: join(target.dir, 'reports'), concurrency: 1 });
    expect(result.exitCode).toBe(3);
    for (const attempt of result.model.attempts) {
      expect(attempt.verdict).toMatchObject({ kind: 'skipped', reason: 'halted', detail: expect.stringMatching(/halt condition db-down cannot be evaluated/) });
      expect(attempt.commands).toEqual([]);
    }
    expect(result.model.notes.map((n) => n.message)).toContainEqual(expect.stringMatching(/cannot be evaluated: GET http:\/\/127\.0\.0\.1:1\/api\/v2\/alerts failed.*nothing was injected/));
  });
});

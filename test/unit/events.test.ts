import { readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldEvents, foldLogFile, mergeRunModels, parseEventLog, RunFolder } from '../../harness/events/fold.js';
import { asEvents } from '../fixtures/runs/residue.js';
import { EventWriter, newRunId } from '../../harness/events/writer.js';
import type { RunEventBody } from '../../harness/model/events.js';
import { ManualClock } from '../support/manual-clock.js';
import { tempDir } from '../support/tmp.js';

const planned = (attemptId: string, host = 'web1'): RunEventBody => ({
  type: 'attempt_planned',
  attemptId,
  scenarioId: attemptId.split('@')[0]!,
  title: 't',
  platform: 'linux',
  host,
  checkType: 'ssh_config',
  tags: [],
  repeatIndex: 1,
  slaMs: 5000,
  windowMs: 10_000,
  holdMs: 2000,
  resources: ['*'],
  expect: { outcome: 'heal', runbook: 'RB-1' },
});

function writeRun(root: string, runId: string, bodies: RunEventBody[], secrets: string[] = []): EventWriter {
  const clock = new ManualClock();
  const writer = new EventWriter({ runId, reportsRoot: root, clock, secrets: () => secrets });
  for (const body of bodies) writer.emit(body);
  return writer;
}

describe('event writer', () => {
  it('appends numbered JSON lines, redacts secrets everywhere, points reports/latest at the run', async () => {
    await using dir = await tempDir();
    const seen: string[] = [];
    const writer = writeRun(dir.path, 'run-1', [], ['hunter2-password']);
    writer.onEvent((e) => seen.push(e.type));
    writer.emit({ type: 'command', step: 'inject', host: 'web1', command: "echo 'hunter2-password' | passwd", exitCode: 0, stdout: 'ok hunter2-password', stderr: '', durationMs: 3, at: 1 });
    writer.emit({ type: 'note', level: 'info', message: 'done' });
    writer.close();
    const text = await readFile(join(dir.path, 'run-1', 'events.jsonl'), 'utf8');
    expect(text).not.toContain('hunter2');
    const { events } = parseEventLog(text);
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    expect(events[0]).toMatchObject({ command: "echo '[redacted]' | passwd", stdout: 'ok [redacted]' });
    expect(seen).toEqual(['command', 'note']);
    expect(await readlink(join(dir.path, 'latest'))).toBe('run-1');
  });

  it('run ids sort by start time', () => {
    const a = newRunId(Date.UTC(2026, 0, 1, 10));
    const b = newRunId(Date.UTC(2026, 0, 1, 11));
    expect(a < b).toBe(true);
    expect(a).toMatch(/^20260101T100000Z-[a-z0-9]{4}$/);
  });
});

describe('fold', () => {
  it('folds a complete run: verdict, phases, probes, signals, funnel, mismatch', () => {
    const model = foldEvents(
      [
        { type: 'run_started', lab: 'lab', argv: [], hosts: [{ name: 'web1', platform: 'linux', roles: [] }], chaoslabVersion: '0' },
        planned('a@web1#1'),
        { type: 'phase', attemptId: 'a@web1#1', phase: 'inject', status: 'start' },
        { type: 'phase', attemptId: 'a@web1#1', phase: 'inject', status: 'end', ok: true },
        { type: 'phase', attemptId: 'a@web1#1', phase: 'confirm_drift', status: 'start' },
        { type: 'phase', attemptId: 'a@web1#1', phase: 'confirm_drift', status: 'end', ok: true },
        { type: 'probe', attemptId: 'a@web1#1', at: 5, compliant: false },
        { type: 'signal', attemptId: 'a@web1#1', source: 'log', kind: 'claimed_healed', at: 900, host: 'web1', checkType: 'ssh_config', runbook: 'RB-2', receivedAt: 950, raw: {} },
        { type: 'probe', attemptId: 'a@web1#1', at: 960, compliant: true },
        { type: 'phase', attemptId: 'a@web1#1', phase: 'hold', status: 'start' },
        { type: 'phase', attemptId: 'a@web1#1', phase: 'hold', status: 'end', ok: true },
        { type: 'attempt_ended', attemptId: 'a@web1#1', verdict: { kind: 'healed', claimAt: 900, restoreAt: 960 }, passed: true, timings: { claimMs: 900, restoreMs: 960 }, observedRunbook: 'RB-2' },
        { type: 'run_ended', status: 'completed', exitCode: 0 },
      ].map((body, i) => ({ v: 1, seq: i + 1, ts: 1000 + i, mono: i, runId: 'r1', ...body }) as never),
    );
    const attempt = model.attempts[0]!;
    expect(model.status).toBe('completed');
    expect(attempt.verdict.kind).toBe('healed');
    expect(attempt.probes).toEqual([{ at: 5, compliant: false }, { at: 960, compliant: true }]);
    expect(attempt.funnel).toEqual({ injected: true, driftConfirmed: true, detected: true, claimed: true, restored: true, stayedRestored: true });
    expect(attempt.runbookMismatch).toBe(true);
    expect(attempt.phases.map((p) => [p.phase, p.ok])).toEqual([['inject', true], ['confirm_drift', true], ['hold', true]]);
  });

  it('tolerates a truncated last line and marks a run that never ended as crashed', async () => {
    await using dir = await tempDir();
    const writer = writeRun(dir.path, 'r2', [planned('a@web1#1'), { type: 'phase', attemptId: 'a@web1#1', phase: 'observe', status: 'start' }]);
    writer.close();
    const path = join(dir.path, 'r2', 'events.jsonl');
    await writeFile(path, `${await readFile(path, 'utf8')}{"v":1,"seq":3,"type":"pro`);
    const model = await foldLogFile(path);
    expect(model.status).toBe('crashed');
    expect(model.attempts[0]!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'lab_error' });
    expect(model.notes.some((n) => n.message.includes('cut short'))).toBe(true);
  });

  it('merges shards into one model', async () => {
    await using dir = await tempDir();
    const ended = (id: string): RunEventBody => ({ type: 'attempt_ended', attemptId: id, verdict: { kind: 'not_healed' }, passed: false, timings: {} });
    for (const [runId, shard, id] of [['s1', '1/2', 'a@web1#1'], ['s2', '2/2', 'b@web2#1']] as const) {
      writeRun(dir.path, runId, [
        { type: 'run_started', lab: 'lab', argv: [], shard, hosts: [{ name: id.split('@')[1]!.split('#')[0]!, platform: 'linux', roles: [] }], chaoslabVersion: '0' },
        planned(id),
        ended(id),
        { type: 'run_ended', status: 'completed', exitCode: 1 },
      ]).close();
    }
    const merged = mergeRunModels([await foldLogFile(join(dir.path, 's2', 'events.jsonl')), await foldLogFile(join(dir.path, 's1', 'events.jsonl'))]);
    expect(merged.mergedFrom).toEqual(['s1', 's2']);
    expect(merged.attempts.map((a) => [a.attemptId, a.shard])).toEqual([['a@web1#1', '1/2'], ['b@web2#1', '2/2']]);
    expect(merged.hosts.map((h) => h.name)).toEqual(['web1', 'web2']);
    expect(merged.status).toBe('completed');
  });
});

describe('RunFolder while a run goes on', () => {
  it('rebuilds an attempt only when an event of it (or the run\'s end) arrives, and then shows that event', () => {
    const events = asEvents([
      { type: 'run_started', lab: 'lab', argv: ['run'], hosts: [{ name: 'web1', platform: 'linux', roles: [] }], chaoslabVersion: 'test' },
      planned('a@web1#1'),
      planned('b@web1#1'),
      { type: 'phase', attemptId: 'a@web1#1', phase: 'preflight', status: 'start' },
      { type: 'attempt_ended', attemptId: 'a@web1#1', verdict: { kind: 'healed', claimAt: 1000, restoreAt: 900 }, passed: true, timings: {} },
      { type: 'run_ended', status: 'completed', exitCode: 0 },
    ]);
    const folder = new RunFolder();
    for (const event of events.slice(0, 4)) folder.apply(event);
    const running = folder.model();
    expect(running.attempts.map((a) => a.verdict)).toEqual([expect.objectContaining({ detail: 'the attempt is still running' }), expect.objectContaining({ detail: 'the attempt is still running' })]);
    folder.apply(events[4]!);
    const after = folder.model();
    expect(after.attempts[0]!.verdict).toEqual({ kind: 'healed', claimAt: 1000, restoreAt: 900 });
    // the attempt no event touched is the same result as before
    expect(after.attempts[1]).toBe(running.attempts[1]);
    folder.apply(events[5]!);
    expect(folder.attempt('b@web1#1')!.verdict).toMatchObject({ kind: 'inconclusive', detail: 'the attempt never ended (run completed)' });
  });
});

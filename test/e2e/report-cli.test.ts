import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { syntheticRun } from '../fixtures/runs/synthetic.js';
import { modelToEvents } from '../fixtures/runs/to-events.js';
import { tempDir } from '../support/tmp.js';

/** `chaoslab report` end to end: the built CLI (npm test builds first) on recorded event logs. */
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/chaoslab.js');
const FIXTURES = join(ROOT, 'test/fixtures/runs');

let dir: Awaited<ReturnType<typeof tempDir>>;
let reports: string;

function chaoslab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: dir.path, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const TIME_KEYS = new Set(['at', 'receivedAt', 'durationMs', 'startedAt', 'endedAt', 'start', 'end', 't0Wall', 'skewMs', 'startedAtWall', 'endedAtWall', 'claimAt', 'restoreAt', 'redriftAt', 'escalatedAt', 'detectMs', 'claimMs', 'restoreMs', 'p50', 'p95']);
const maskTimes = (value: unknown) => JSON.parse(JSON.stringify(value, (key, v) => (TIME_KEYS.has(key) && typeof v === 'number' ? '‹t›' : v)));

function writeLog(path: string, run: RunModel): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `${modelToEvents(run).map((e) => JSON.stringify(e)).join('\n')}\n`);
  return path;
}

beforeAll(async () => {
  dir = await tempDir('chaoslab-report-');
  reports = join(dir.path, 'reports');
  cpSync(join(FIXTURES, 'catalogue-16'), join(reports, 'catalogue-16'), { recursive: true });
  cpSync(join(FIXTURES, 'catalogue-16-baseline'), join(reports, 'catalogue-16-baseline'), { recursive: true });
});

afterAll(async () => {
  await dir?.[Symbol.asyncDispose]();
});

describe('chaoslab report', () => {
  it('re-renders a run from its events.jsonl with every reporter; exit 1 for the failed expectations', () => {
    const result = chaoslab('report', 'reports/catalogue-16', '--reporter', 'json,markdown,junit,html', '--baseline', 'catalogue-16-baseline');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    for (const file of ['report.json', 'summary.md', 'junit.xml', 'index.html']) expect(result.stdout).toContain(join(reports, 'catalogue-16', file));
    const summary = readFileSync(join(reports, 'catalogue-16/summary.md'), 'utf8');
    expect(summary.split('\n')[0]).toBe('## chaoslab: 10/14 passed (71%) — Linux 6/8, Windows 4/6');
    expect(summary).toContain('- **Regressions (2):**');
    const index = JSON.parse(readFileSync(join(reports, 'index.json'), 'utf8')) as { runs: { runId: string; passed: number; scored: number }[] };
    expect(index.runs.map((r) => [r.runId, r.passed, r.scored])).toEqual([['20261120-020000-nightly', 10, 14], ['20261119-020000-nightly', 12, 16]]);
  });

  it('writes report.json that matches the stored snapshot (times masked)', async () => {
    const report = JSON.parse(readFileSync(join(reports, 'catalogue-16/report.json'), 'utf8')) as { version: number; summary: unknown; run: RunModel };
    const compact = {
      version: report.version,
      summary: report.summary,
      attempts: report.run.attempts.map((a) => ({ id: a.attemptId, scenario: a.scenarioId, host: a.host, verdict: a.verdict, passed: a.passed, timings: a.timings, funnel: a.funnel, tierMismatch: a.tierMismatch, runbookMismatch: a.runbookMismatch })),
    };
    await expect(`${JSON.stringify(maskTimes(compact), null, 2)}\n`).toMatchFileSnapshot('__snapshots__/report-catalogue-16.json');
  });

  it('applies gates, and refuses unknown gate names as a usage error (exit 2)', () => {
    const gated = chaoslab('report', 'reports/catalogue-16', '--reporter', 'markdown', '--baseline', 'catalogue-16-baseline', '--fail-on', 'regression', '--max-inconclusive', '0');
    expect(gated.status).toBe(1);
    expect(gated.stderr).toContain('gate fail_on:regression failed: 2 regressions against 20261119-020000-nightly');
    expect(gated.stderr).toContain('gate max_inconclusive failed: 2 inconclusive attempts');
    const previous = chaoslab('report', 'reports/catalogue-16', '--reporter', 'markdown', '--baseline', 'previous', '--fail-on', 'regression');
    expect(previous.stderr).toContain('2 regressions against 20261119-020000-nightly');
    const first = chaoslab('report', 'reports/catalogue-16-baseline', '--reporter', 'markdown', '--out', join(dir.path, 'first'), '--baseline', 'previous', '--fail-on', 'regression');
    expect(first.stderr).toContain('--baseline previous: no earlier run of this suite');
    expect(first.stderr).not.toContain('gate fail_on:regression');
    const bad = chaoslab('report', 'reports/catalogue-16', '--fail-on', 'sometimes');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--fail-on: unknown sometimes');
    const missing = chaoslab('report', 'no-such-run', '--reports', 'reports');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no run found at "no-such-run"/);
  });

  it('keeps the other reports when one reporter fails, and exits 4', () => {
    const out = join(dir.path, 'broken-out');
    mkdirSync(join(out, 'index.html'), { recursive: true });
    const result = chaoslab('report', 'reports/catalogue-16-baseline', '--reporter', 'html,junit,markdown', '--out', out, '--history', '0');
    expect(result.stderr).toMatch(/reporter html failed in onRunEnd: EISDIR/);
    expect(result.status).toBe(4);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<testsuites');
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('12/16 passed');
  });

  it('diffs two runs: exit 1 with regressions, 0 without', () => {
    const diff = chaoslab('report', 'diff', 'catalogue-16-baseline', 'catalogue-16', '--reports', 'reports');
    expect(diff.status).toBe(1);
    expect(diff.stdout).toContain('**Regressions (2):** `lin-ip-forward@lab-lin-1` (healed → healed_late)');
    const same = chaoslab('report', 'diff', 'catalogue-16', 'catalogue-16', '--reports', 'reports', '--json');
    expect(same.status).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ changes: [], counts: { regression: 0 } });
  });

  it('merges 3 shard logs into the verdicts of the unsharded run', async () => {
    const whole = syntheticRun({ attempts: 90, hosts: 9, repeats: 2, seed: 11, runId: 'whole' });
    const wholeLog = writeLog(join(dir.path, 'shards/whole/events.jsonl'), whole);
    const shardLogs = [1, 2, 3].map((i) => writeLog(join(dir.path, `shards/${i}/events.jsonl`), {
      ...whole, runId: `shard-${i}`, shard: `${i}/3`, startedAtWall: whole.startedAtWall + i * 1000, attempts: whole.attempts.filter((_, index) => index % 3 === i - 1),
    }));
    const out = join(dir.path, 'merged');
    const result = chaoslab('report', 'merge', ...shardLogs, '--out', out, '--reporter', 'json,markdown', '--history', '0');
    expect(result.stdout).toContain('merged 3 logs (90 attempts)');
    const merged = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunModel;
    const unsharded = await foldLogFile(wholeLog);
    const verdicts = (run: RunModel) => Object.fromEntries(run.attempts.map((a) => [a.attemptId, [a.verdict.kind, a.passed]]));
    expect(verdicts(merged)).toEqual(verdicts(unsharded));
    expect(merged.mergedFrom).toEqual(['shard-1', 'shard-2', 'shard-3']);
    const rerendered = chaoslab('report', wholeLog, '--out', join(dir.path, 'whole-out'), '--reporter', 'markdown', '--history', '0');
    expect(readFileSync(join(dir.path, 'whole-out/summary.md'), 'utf8').split('\n')[0]).toBe(readFileSync(join(out, 'summary.md'), 'utf8').split('\n')[0]);
    expect(rerendered.status).toBe(result.status);
  });

  it('open prints the scorecard path and --serve serves it on 127.0.0.1 until interrupted', async () => {
    const printed = chaoslab('report', 'open', 'catalogue-16', '--reports', 'reports');
    expect(printed.status).toBe(0);
    expect(printed.stdout.trim()).toBe(join(reports, 'catalogue-16/index.html'));
    const server = spawn(process.execPath, [BIN, 'report', 'open', 'catalogue-16', '--reports', 'reports', '--serve'], { cwd: dir.path });
    const exited = new Promise<number | null>((done) => server.once('exit', (code) => done(code)));
    let output = '';
    const address = await new Promise<string>((found, fail) => {
      server.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        // the address carries the access token the server printed (/<token>/): nothing else is served
        const match = /http:\/\/127\.0\.0\.1:\d+\/[^/\s]+\//.exec(output);
        if (match) found(match[0]);
      });
      server.once('exit', () => fail(new Error(`server exited: ${output}`)));
    });
    const page = await fetch(address);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('10/14 passed (71%)');
    expect((await fetch(`${address}..%2Fcatalogue-16-baseline%2Fevents.jsonl`)).status).toBe(400);
    server.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});

import { cpSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHistory, updateIndex } from '../../harness/history/index.js';
import { loadRun } from '../../harness/history/runs.js';
import { catalogueRun } from '../fixtures/runs/catalogue.js';
import { tempDir } from '../support/tmp.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/runs');

async function reportsWithTwoRuns(root: string): Promise<void> {
  cpSync(join(FIXTURES, 'catalogue-16'), join(root, 'catalogue-16'), { recursive: true });
  mkdirSync(join(root, 'baseline-run'), { recursive: true });
  writeFileSync(join(root, 'baseline-run/run.json'), JSON.stringify(catalogueRun('baseline')));
  symlinkSync('catalogue-16', join(root, 'latest'));
  mkdirSync(join(root, 'not-a-run'));
}

describe('history index', () => {
  it('indexes run folders newest first from events.jsonl or run.json, skipping latest and other folders', async () => {
    await using dir = await tempDir();
    await reportsWithTwoRuns(dir.path);
    const entries = await updateIndex(dir.path);
    expect(entries.map((e) => [e.dir, e.runId, e.passed, e.scored, e.inconclusive])).toEqual([
      ['catalogue-16', '20261120-020000-nightly', 10, 14, 2],
      ['baseline-run', '20261119-020000-nightly', 12, 16, 0],
    ]);
    const written = JSON.parse(readFileSync(join(dir.path, 'index.json'), 'utf8')) as { version: number; runs: unknown[] };
    expect(written.version).toBe(1);
    expect(written.runs).toHaveLength(2);
  });

  it('re-reads only runs whose file changed', async () => {
    await using dir = await tempDir();
    await reportsWithTwoRuns(dir.path);
    await updateIndex(dir.path);
    const file = join(dir.path, 'baseline-run/run.json');
    writeFileSync(file, JSON.stringify({ ...catalogueRun('baseline'), runId: 'renamed' }));
    const stale = new Date('2026-01-01T00:00:00Z');
    utimesSync(file, stale, stale);
    expect((await updateIndex(dir.path)).map((e) => e.runId)).toContain('renamed');
    const index = JSON.parse(readFileSync(join(dir.path, 'index.json'), 'utf8')) as { runs: { dir: string; mtimeMs: number }[] };
    const cached = index.runs.find((r) => r.dir === 'baseline-run')!;
    writeFileSync(join(dir.path, 'index.json'), JSON.stringify({ version: 1, runs: index.runs.map((r) => (r.dir === 'baseline-run' ? { ...r, runId: 'from-cache' } : r)) }));
    expect(cached.mtimeMs).toBe(stale.getTime());
    expect((await updateIndex(dir.path)).map((e) => e.runId)).toContain('from-cache');
  });

  it('rebuilds a damaged index', async () => {
    await using dir = await tempDir();
    await reportsWithTwoRuns(dir.path);
    writeFileSync(join(dir.path, 'index.json'), '{ not json');
    expect(await updateIndex(dir.path)).toHaveLength(2);
  });

  it('loads history of the same suite that started earlier, newest first', async () => {
    await using dir = await tempDir();
    await reportsWithTwoRuns(dir.path);
    const current = catalogueRun('current');
    expect((await loadHistory(dir.path, current)).map((r) => r.runId)).toEqual(['20261119-020000-nightly']);
    expect(await loadHistory(dir.path, { ...current, suite: 'other' })).toEqual([]);
    expect(await loadHistory(dir.path, current, 0)).toEqual([]);
    // the same suite on another lab is not history of this run
    expect(await loadHistory(dir.path, { ...current, lab: 'another-lab' })).toEqual([]);
  });

  it('resolves a run by folder, file, run id and latest, and names what it looked for when missing', async () => {
    await using dir = await tempDir();
    await reportsWithTwoRuns(dir.path);
    expect((await loadRun(undefined, dir.path)).model.runId).toBe('20261120-020000-nightly');
    expect((await loadRun('baseline-run', dir.path)).source).toBe(join(dir.path, 'baseline-run/run.json'));
    expect((await loadRun(join(dir.path, 'catalogue-16/events.jsonl'), dir.path)).model.attempts).toHaveLength(16);
    await expect(loadRun('nope', dir.path)).rejects.toThrow(/no run found at "nope": give a run folder with events.jsonl or run.json/);
    writeFileSync(join(dir.path, 'bad.json'), '{"hello": 1}');
    await expect(loadRun(join(dir.path, 'bad.json'), dir.path)).rejects.toThrow(/bad.json: expected a run model with runId and attempts/);
  });
});

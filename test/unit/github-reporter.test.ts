import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createGithubReporter, escapeData, escapeProperty, renderAnnotations, workflowCommand } from '../../reporters/github.js';
import { parseReporterList } from '../../reporters/registry.js';
import { catalogueRun } from '../fixtures/runs/catalogue.js';
import { tempDir } from '../support/tmp.js';

const current = catalogueRun('current');
const baseline = catalogueRun('baseline');

describe('github reporter', () => {
  it('matches the golden annotation lines of the catalogue run: errors first, then warnings, then the headline', async () => {
    const lines = renderAnnotations(current, { baseline, reportUrl: 'https://ci.example/nightly/42/index.html' });
    await expect(`${lines.join('\n')}\n`).toMatchFileSnapshot('__snapshots__/github-annotations-catalogue-16.txt');
    expect(lines.filter((l) => l.startsWith('::error '))).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith('::warning '))).toHaveLength(2);
  });

  it('escapes %, CR and LF in messages, and also : and , in titles, per the workflow-command rules', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('lin-x @ host:22, 50%\n')).toBe('lin-x @ host%3A22%2C 50%25%0A');
    expect(workflowCommand('error', 'a:b,c', 'x::y\nz')).toBe('::error title=a%3Ab%2Cc::x::y%0Az');
    const hostile = { ...current, attempts: current.attempts.map((a) => (a.scenarioId === 'win-dc-dns' ? { ...a, host: 'dc:1,a', cause: '50% of\r\nchecks' } : a)) };
    expect(renderAnnotations(hostile)).toContain('::error title=win-dc-dns @ dc%3A1%2Ca::50%25 of%0D%0Achecks');
  });

  it('is a registered reporter', () => {
    expect(parseReporterList('console,github')).toEqual(['console', 'github']);
  });

  it('appends the Markdown scorecard to $GITHUB_STEP_SUMMARY when it is set, and prints the annotations', async () => {
    await using dir = await tempDir('chaoslab-github-');
    const summary = join(dir.path, 'step-summary.md');
    writeFileSync(summary, 'an earlier step wrote this\n');
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const judge = () => ({ exitCode: 1, failedGates: [{ gate: 'min_heal_rate', message: 'heal rate 71.4% (10/14) is below 80%' }] });
    const reporter = createGithubReporter({ outputDir: dir.path, reportsRoot: dir.path, stdout, judge }, { GITHUB_STEP_SUMMARY: summary });
    expect(await reporter.onRunEnd?.(current)).toEqual([summary]);
    const written = readFileSync(summary, 'utf8');
    expect(written.startsWith('an earlier step wrote this\n## chaoslab: 10/14 passed (71%)')).toBe(true);
    expect(written).toContain('- gate min_heal_rate: heal rate 71.4% (10/14) is below 80%');
    const printed = Buffer.concat(chunks).toString('utf8');
    expect(printed).toContain('::notice title=chaoslab::10/14 passed (71%25) — Linux 6/8, Windows 4/6 — FAILED · exit 1 (an expectation or a gate failed) · 4 expectations not met');
    const quiet = createGithubReporter({ outputDir: dir.path, reportsRoot: dir.path, stdout: new PassThrough() }, {});
    expect(await quiet.onRunEnd?.(current)).toBeUndefined();
  });
});

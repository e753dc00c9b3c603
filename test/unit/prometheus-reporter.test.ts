import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { RunModel } from '../../harness/model/run-model.js';
import { summarize } from '../../harness/model/summary.js';
import { runMetrics } from '../../reporters/prometheus.js';
import { escapeLabelValue, Exposition, histogramSamples } from '../../reporters/prometheus-text.js';
import { catalogueRun } from '../fixtures/runs/catalogue.js';

/** Runs Debian's promtool (prometheus package) on the text: its parser and its lint rules. */
function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('/usr/bin/promtool', ['check', 'metrics'], (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
    child.stdin!.end(text);
  });
}

/** `name{labels} value` lines as [name, labels, value]; comments skipped. */
function samples(text: string): [string, Record<string, string>, number][] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      return [match[1]!, labels, Number(match[3])];
    });
}

const value = (text: string, name: string, labels: Record<string, string> = {}) =>
  samples(text).filter(([n, l]) => n === name && Object.entries(labels).every(([k, v]) => l[k] === v)).map(([, , v]) => v);

describe('prometheus reporter', () => {
  const run = catalogueRun('current');
  const text = runMetrics(run);

  it('passes promtool check metrics (parser and lint)', async () => {
    const result = await promtoolCheck(text);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('states the score, every verdict count per platform and the inconclusive reasons of the run', () => {
    const summary = summarize(run);
    expect(value(text, 'chaoslab_attempts_passed')).toEqual([summary.score.passed]);
    expect(value(text, 'chaoslab_attempts_scored')).toEqual([summary.score.scored]);
    expect(value(text, 'chaoslab_pass_ratio')).toEqual([summary.score.passed / summary.score.scored]);
    for (const platform of ['linux', 'windows']) {
      for (const verdict of ['healed', 'inconclusive', 'false_heal']) {
        expect(value(text, 'chaoslab_verdicts', { platform, verdict })).toEqual([run.attempts.filter((a) => a.platform === platform && a.verdict.kind === verdict).length]);
      }
    }
    const counted = samples(text).filter(([n]) => n === 'chaoslab_verdicts').reduce((sum, [, , v]) => sum + v, 0);
    expect(counted).toBe(run.attempts.length);
    expect(Object.fromEntries(samples(text).filter(([n]) => n === 'chaoslab_inconclusive').map(([, l, v]) => [l.reason, v]))).toEqual(summary.inconclusiveReasons);
    expect(value(text, 'chaoslab_funnel', { step: 'drift_confirmed' })).toEqual([summary.funnel.driftConfirmed]);
  });

  it('has one series per scenario with its newest verdict, and no attempt or run id in any label', () => {
    const scenarios = new Set(run.attempts.map((a) => a.scenarioId));
    const last = samples(text).filter(([n]) => n === 'chaoslab_scenario_last_verdict');
    expect(last.map(([, l]) => l.scenario).sort()).toEqual([...scenarios].sort());
    for (const [, labels] of samples(text)) {
      expect(Object.keys(labels)).not.toContain('attempt');
      for (const labelValue of Object.values(labels)) {
        expect(run.attempts.some((a) => labelValue.includes(a.attemptId))).toBe(false);
        expect(labelValue).not.toContain(run.runId);
      }
    }
  });

  it('buckets the restore times of healed attempts cumulatively, in seconds', () => {
    const restores = run.attempts.filter((a) => (a.verdict.kind === 'healed' || a.verdict.kind === 'healed_late') && a.timings.restoreMs !== undefined).map((a) => a.timings.restoreMs! / 1000);
    expect(restores.length).toBeGreaterThan(2);
    expect(value(text, 'chaoslab_time_to_restore_seconds_count')).toEqual([restores.length]);
    expect(value(text, 'chaoslab_time_to_restore_seconds_bucket', { le: '+Inf' })).toEqual([restores.length]);
    expect(value(text, 'chaoslab_time_to_restore_seconds_bucket', { le: '60' })).toEqual([restores.filter((s) => s <= 60).length]);
    expect(value(text, 'chaoslab_time_to_restore_seconds_sum')[0]).toBeCloseTo(restores.reduce((a, b) => a + b, 0), 6);
  });

  it('an empty run has no ratio (not NaN) and still passes promtool', async () => {
    const empty: RunModel = { ...run, attempts: [] };
    const emptyText = runMetrics(empty);
    expect(value(emptyText, 'chaoslab_pass_ratio')).toEqual([]);
    expect((await promtoolCheck(emptyText)).code).toBe(0);
  });
});

describe('text exposition', () => {
  it('escapes backslash, double quote and line feed in label values', async () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const out = new Exposition();
    out.family('x_things', 'gauge', 'help with \\ and\nnewline').push({ labels: { scenario: 'we"ird\\\nname' }, value: 1 });
    const text = out.text();
    expect(text).toBe('# HELP x_things help with \\\\ and\\nnewline\n# TYPE x_things gauge\nx_things{scenario="we\\"ird\\\\\\nname"} 1\n');
    expect((await promtoolCheck(text)).code).toBe(0);
  });

  it('refuses names Prometheus would reject, and the same family twice', () => {
    const out = new Exposition();
    expect(() => out.family('9lives', 'gauge', 'h')).toThrow(/invalid metric name/);
    out.family('ok', 'gauge', 'h').push({ labels: { 'bad-label': 'v' }, value: 1 });
    expect(() => out.text()).toThrow(/invalid label name/);
    expect(() => out.family('ok', 'gauge', 'h')).toThrow(/added twice/);
  });

  it('histogram buckets are cumulative with +Inf, sum and count', () => {
    expect(histogramSamples([0.5, 2, 2, 7], [1, 5])).toEqual([
      { suffix: '_bucket', labels: { le: '1' }, value: 1 },
      { suffix: '_bucket', labels: { le: '5' }, value: 3 },
      { suffix: '_bucket', labels: { le: '+Inf' }, value: 4 },
      { suffix: '_sum', labels: {}, value: 11.5 },
      { suffix: '_count', labels: {}, value: 4 },
    ]);
  });
});

import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import type { AttemptResult, RunModel } from '../../harness/model/run-model.js';
import { createConsoleReporter } from '../../reporters/console.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/runs/catalogue-16/events.jsonl');

async function render(run: RunModel, history: RunModel[] = []): Promise<string> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const reporter = createConsoleReporter({ outputDir: '/nonexistent', reportsRoot: '/nonexistent', stdout, history });
  await reporter.onRunStart?.(run);
  for (const attempt of run.attempts) await reporter.onAttemptEnd?.(attempt, run);
  await reporter.onRunEnd?.(run);
  return Buffer.concat(chunks).toString('utf8');
}

describe('console reporter on the recorded 16-scenario run', () => {
  let run: RunModel;
  let text: string;

  beforeAll(async () => {
    run = await foldLogFile(FIXTURE);
    text = await render(run);
  });

  it('prints one progress line per attempt, numbered against the plan', () => {
    const progress = text.split('\n').filter((line) => /^[✓✗?-] \[\d+\/16\]/.test(line));
    expect(progress).toHaveLength(16);
    expect(progress[15]).toMatch(/^. \[16\/16\] /);
  });

  it('ends with the scorecard headline and the whole funnel, uncoloured when not a terminal', () => {
    const passed = run.attempts.filter((a) => a.passed).length;
    const scored = run.attempts.filter((a) => a.verdict.kind !== 'inconclusive' && a.verdict.kind !== 'skipped').length;
    expect(text).toMatch(new RegExp(`^${passed}/${scored} passed \\(\\d+%\\) — Linux \\d+/\\d+, Windows \\d+/\\d+$`, 'm'));
    expect(text).toMatch(/^funnel: injected 16 → drift confirmed \d+ → detected \d+ → claimed \d+ → restored \d+ → stayed restored \d+$/m);
    expect(text).not.toContain('\x1b[');
  });

  it('states the run\'s outcome under the headline and gives each failure its cause line', () => {
    const lines = text.split('\n');
    const headline = lines.findIndex((l) => /^\d+\/\d+ passed/.test(l));
    expect(lines[headline + 1]).toBe('FAILED · exit 1 (an expectation or a gate failed) · 4 expectations not met');
    expect(lines).toContain('  win-dc-dns @ lab-dc-1: not_healed: detected at 55s, no claim in 9m (expected heal L1 RB-WIN-NET-001)');
  });

  it('keeps lab problems apart from healer failures', () => {
    const inconclusive = run.attempts.filter((a) => a.verdict.kind === 'inconclusive');
    expect(inconclusive.length).toBeGreaterThan(0);
    const section = text.slice(text.indexOf('inconclusive (lab problems'));
    for (const attempt of inconclusive) expect(section).toContain(`${attempt.scenarioId} @ ${attempt.host}: inconclusive:`);
    const failuresSection = text.slice(text.indexOf('expectations not met:'), text.indexOf('inconclusive (lab problems'));
    for (const attempt of inconclusive) expect(failuresSection).not.toContain(attempt.scenarioId);
  });

  it('flags a scenario whose repeats disagree as flaky', async () => {
    const healed = run.attempts.find((a) => a.verdict.kind === 'healed')!;
    const again: AttemptResult = { ...healed, attemptId: `${healed.attemptId}-2`, repeatIndex: 2, verdict: { kind: 'not_healed' }, passed: false };
    const repeated = await render({ ...run, attempts: [...run.attempts, again] });
    expect(repeated).toMatch(new RegExp(`flaky: ${healed.scenarioId}@${healed.host}: `));
    expect(text).not.toContain('flaky:');
  });
});

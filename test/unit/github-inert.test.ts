import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { createConsoleReporter } from '../../reporters/console.js';
import { renderAnnotations } from '../../reporters/github.js';
import { inertForGithub } from '../../reporters/github-inert.js';
import { commandsTheRunnerWouldRun } from '../support/github-runner.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/runs/catalogue-16/events.jsonl');
const ZWSP = '\u200B';

const HOSTILE = ['::error::pwned', '::stop-commands::token', '  \t::warning title=x::y', '\u00A0::notice::nbsp', '\u0085::add-mask::x', 'ok\r::error::after a lone CR', 'x ##[error]legacy', '::token::'];

describe('inertForGithub', () => {
  it.each(HOSTILE)('makes %j inert and keeps it readable', (text) => {
    const inert = inertForGithub(text);
    expect(commandsTheRunnerWouldRun(inert)).toEqual([]);
    expect(commandsTheRunnerWouldRun(text)).not.toEqual([]);
    expect(inert.replaceAll(ZWSP, '')).toBe(text);
  });

  it('leaves text that is no command alone', () => {
    for (const text of ['a::b', 'ratio 3::4', 'chaoslab run r1 — lab x', '# heading', '']) expect(inertForGithub(text)).toBe(text);
  });

  it('property: over any text (lines, carriage returns, white space, colons, hashes) no line is a command afterwards, and only zero-width spaces were added', () => {
    const piece = fc.constantFrom('::', ':', '##[', '#', ']', '\n', '\r', '\r\n', ' ', '\t', '\u00A0', '\u0085', '\u2028', 'error', 'x', ZWSP);
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 3 })), { maxLength: 20 }), (parts) => {
        const text = parts.join('');
        const inert = inertForGithub(text);
        expect(commandsTheRunnerWouldRun(inert)).toEqual([]);
        expect(inert.replaceAll(ZWSP, '')).toBe(text.replaceAll(ZWSP, ''));
      }),
      { numRuns: 500 },
    );
  });
});

async function consoleOutput(run: RunModel, env: Record<string, string>): Promise<string> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const reporter = createConsoleReporter({ outputDir: '/nonexistent', reportsRoot: '/nonexistent', stdout }, env);
  await reporter.onRunStart?.(run);
  for (const attempt of run.attempts) await reporter.onAttemptEnd?.(attempt, run);
  await reporter.onRunEnd?.(run);
  return Buffer.concat(chunks).toString('utf8');
}

describe('reporters in a GitHub job', () => {
  it("the console reporter prints chaoslab's own lines unchanged, and host text inert", async () => {
    const run = await foldLogFile(FIXTURE);
    expect(await consoleOutput(run, { GITHUB_ACTIONS: 'true' })).toBe(await consoleOutput(run, {}));

    // an attempt whose cause the scorecard prints: a failed expectation or an inconclusive one
    const shown = run.attempts.findIndex((attempt) => attempt.verdict.kind === 'inconclusive' || (attempt.scored && !attempt.passed));
    expect(shown).toBeGreaterThanOrEqual(0);
    const hostile: RunModel = {
      ...run,
      attempts: run.attempts.map((attempt, index) => (index === shown ? { ...attempt, scenarioId: '::warning::from a scenario file', cause: HOSTILE.join('\n') } : attempt)),
    };
    const outside = await consoleOutput(hostile, {});
    const inJob = await consoleOutput(hostile, { GITHUB_ACTIONS: 'true' });
    expect(commandsTheRunnerWouldRun(outside)).not.toEqual([]);
    expect(commandsTheRunnerWouldRun(inJob)).toEqual([]);
    expect(inJob.replaceAll(ZWSP, '')).toBe(outside);
  });

  it("the github reporter's own annotations are the only commands, whatever the hosts said", async () => {
    const run = await foldLogFile(FIXTURE);
    const hostile: RunModel = { ...run, attempts: run.attempts.map((attempt) => ({ ...attempt, cause: HOSTILE.join('\n') })) };
    const lines = renderAnnotations(hostile);
    expect(lines.join('\n').split('\n')).toHaveLength(lines.length);
    expect(commandsTheRunnerWouldRun(lines.join('\n')).map((line) => line.slice(0, line.indexOf(' ')))).toEqual(lines.map((line) => line.slice(0, line.indexOf(' '))));
    for (const line of lines) expect(line).toMatch(/^::(error|warning|notice) title=[^:]*::/);
  });
});

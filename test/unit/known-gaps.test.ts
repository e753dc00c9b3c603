import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../harness/core/exit-codes.js';
import { exitCodeFor } from '../../harness/engine/session.js';
import { evaluateGates } from '../../harness/history/gates.js';
import { splitExpectations } from '../../harness/model/attention.js';
import { runOutcome } from '../../harness/model/outcome.js';
import type { AttemptResult, RunModel } from '../../harness/model/run-model.js';
import { outcomeText } from '../../reporters/format.js';
import { renderAnnotations } from '../../reporters/github.js';
import { renderJunit } from '../../reporters/junit.js';
import { catalogueRun } from '../fixtures/runs/catalogue.js';

/**
 * Known gaps are expected failures: a run whose only unmet expectations are
 * scenarios tagged `known-gap` is green, says "0 new failures · N known gaps", and
 * tells when a known gap starts passing.
 */
const catalogue = catalogueRun('current');
const failing = catalogue.attempts.filter((a) => a.scored && !a.passed);
const passing = catalogue.attempts.filter((a) => a.scored && a.passed);
const tagged = (a: AttemptResult): AttemptResult => ({ ...a, tags: [...a.tags, 'known-gap'] });

function withGaps(gaps: (a: AttemptResult) => boolean): RunModel {
  return { ...catalogue, attempts: catalogue.attempts.map((a) => (gaps(a) ? tagged(a) : a)) };
}

const allFailuresKnown = withGaps((a) => failing.includes(a));
const oneNewFailure = withGaps((a) => failing.slice(1).includes(a));
const gapNowPasses = withGaps((a) => failing.includes(a) || a === passing[0]);

describe('known gaps as expected failures', () => {
  it('the fixture has failures to tag and passes to fix (else this file proves nothing)', () => {
    expect(failing.length).toBeGreaterThan(1);
    expect(passing.length).toBeGreaterThan(0);
  });

  it('splits failed expectations into new failures and failing known gaps, and lists known gaps that pass', () => {
    expect(splitExpectations(catalogue)).toEqual({ newFailures: failing.length, knownGaps: 0, fixedGaps: [] });
    expect(splitExpectations(allFailuresKnown)).toEqual({ newFailures: 0, knownGaps: failing.length, fixedGaps: [] });
    expect(splitExpectations(oneNewFailure)).toMatchObject({ newFailures: 1, knownGaps: failing.length - 1 });
    expect(splitExpectations(gapNowPasses).fixedGaps.map((a) => a.attemptId)).toEqual([passing[0]!.attemptId]);
  });

  it('a run whose only failures are known gaps exits 0; one new failure exits 1', () => {
    const noLabErrors = (run: RunModel): RunModel => ({ ...run, attempts: run.attempts.filter((a) => a.verdict.kind !== 'inconclusive') });
    expect(exitCodeFor(noLabErrors(catalogue), false)).toBe(ExitCode.expectationFailed);
    expect(exitCodeFor(noLabErrors(allFailuresKnown), false)).toBe(ExitCode.ok);
    expect(exitCodeFor(noLabErrors(oneNewFailure), false)).toBe(ExitCode.expectationFailed);
  });

  it('says "0 new failures · N known gaps" on a green run, and calls out a known gap that passes', () => {
    expect(outcomeText(runOutcome(allFailuresKnown, { exitCode: 0, failedGates: [] }))).toBe(
      `PASSED · exit 0 (every expectation met and every gate passed) · 0 new failures · ${failing.length} known gaps`,
    );
    expect(outcomeText(runOutcome(gapNowPasses, { exitCode: 0, failedGates: [] }))).toContain('1 known gap now passes (fixed? remove the known-gap tag)');
    expect(outcomeText(runOutcome(catalogue, { exitCode: 1, failedGates: [] }))).toBe(`FAILED · exit 1 (an expectation or a gate failed) · ${failing.length} expectations not met`);
  });

  it('--fail-on known-gap restores "every failure is red"; --fail-on fixed-gap fails on a gap that passes', () => {
    expect(evaluateGates(allFailuresKnown, { failOn: ['known-gap'] }).failures[0]).toMatchObject({ gate: 'fail_on:known-gap', message: expect.stringMatching(new RegExp(`^${failing.length} known gaps failing`)) });
    expect(evaluateGates(catalogue, { failOn: ['known-gap'] }).ok).toBe(true);
    expect(evaluateGates(allFailuresKnown, { failOn: ['fixed-gap'] }).ok).toBe(true);
    const fixed = evaluateGates(gapNowPasses, { failOn: ['fixed-gap'] });
    expect(fixed.failures[0]?.message).toBe(`1 known gap now passes (fixed? remove the known-gap tag): ${passing[0]!.scenarioId}@${passing[0]!.host}`);
  });

  it('JUnit writes a failing known gap as <skipped> with its cause, not as a <failure>', () => {
    const xml = renderJunit(allFailuresKnown);
    expect(xml).not.toContain('<failure');
    expect(xml.match(/<skipped message="known gap: /g)?.length).toBe(failing.length);
    expect(renderJunit(oneNewFailure).match(/<failure /g)?.length).toBe(1);
  });

  it('the GitHub reporter writes known gaps as notices, new failures as errors', () => {
    const lines = renderAnnotations(oneNewFailure);
    expect(lines.filter((l) => l.startsWith('::error ')).length).toBe(1);
    expect(lines.filter((l) => l.startsWith('::notice ') && l.includes('(known gap)')).length).toBe(failing.length - 1);
  });
});

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import type { AttemptResult, RunModel } from '../../harness/model/run-model.js';
import { printSections } from '../../reporters/pdf/print-sections.js';
import { windowCheck, windowCheckText } from '../../reporters/window-check.js';

/** The last ground-truth check before the revert, next to the claim, in the recorded catalogue run. */
let run: RunModel;
const attempt = (id: string): AttemptResult => run.attempts.find((a) => a.attemptId === id)!;

beforeAll(async () => {
  run = await foldLogFile(join(import.meta.dirname, '../fixtures/runs/catalogue-16/events.jsonl'));
});

describe('end-of-window ground-truth check', () => {
  it('takes the last check up to the revert, not the confirm-drift check nor the check after the revert', () => {
    // a010: claimed healed at 2m20s; the check as the 9m window ended still saw the drift
    expect(windowCheck(attempt('a010'))).toEqual({ afterInjectionMs: 540_000, result: 'drifted', exitCode: 1, output: '' });
    expect(windowCheckText(windowCheck(attempt('a010')))).toBe('last check before revert at 9m after injection: drifted (exit 1)');
    expect(windowCheckText(windowCheck(attempt('a001')))).toBe('last check before revert at 3m52s after injection: compliant (exit 0)');
  });

  it('calls a check whose transport failed unknown, not drifted', () => {
    const check = windowCheck(attempt('a009'));
    expect(check?.result).toBe('unknown');
    expect(check?.output).toBe('lab-dc-1: WinRM operation timed out after 30s');
  });

  it('says so when no check ran before the revert', () => {
    const a = attempt('a001');
    expect(windowCheck({ ...a, commands: a.commands.filter((c) => c.step !== 'check') })).toBeUndefined();
    expect(windowCheckText(undefined)).toBe('no ground-truth check ran before the revert');
  });

  it('is printed beside the claim in every attempt\'s evidence in the PDF', () => {
    const html = printSections(run);
    expect(html).toContain('claim vs ground truth: claimed healed at 2m20s; last check before revert at 9m after injection: drifted (exit 1)');
    expect(html.match(/claim vs ground truth: /g)).toHaveLength(run.attempts.length);
  });
});

import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';

const run = promisify(execFile);

/** scripts/test-summary.mjs turns vitest's JSON report into the one line CI reads. */
async function summarize(results: unknown): Promise<{ line: string; code: number }> {
  await using dir = await tempDir('chaoslab-summary-');
  const file = join(dir.path, 'vitest.json');
  await writeFile(file, JSON.stringify(results));
  try {
    const { stdout } = await run(process.execPath, ['scripts/test-summary.mjs', file]);
    return { line: stdout.trim(), code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; code: number };
    return { line: failed.stdout.trim(), code: failed.code };
  }
}

const test = (status: string) => ({ status });

describe('the CI closing line', () => {
  it('counts a failed test once, not again for its file and its describe block', async () => {
    // vitest counts every suite a failure sits in (file + describe) in numFailedTestSuites
    const results = {
      numPassedTests: 4, numFailedTests: 1, numFailedTestSuites: 2, numPendingTests: 0, numTodoTests: 0,
      testResults: [{ status: 'failed', assertionResults: [test('passed'), test('failed')] }, { status: 'passed', assertionResults: [test('passed'), test('passed'), test('passed')] }],
    };
    expect(await summarize(results)).toEqual({ line: 'tests: 4 passed, 1 failed, 0 skipped', code: 1 });
  });

  it('counts a file that failed without a failing test (an import error), and skipped tests', async () => {
    const results = {
      numPassedTests: 3, numFailedTests: 0, numFailedTestSuites: 1, numPendingTests: 2, numTodoTests: 1,
      testResults: [{ status: 'failed', assertionResults: [] }, { status: 'passed', assertionResults: [test('passed')] }],
    };
    expect(await summarize(results)).toEqual({ line: 'tests: 3 passed, 1 failed, 3 skipped', code: 1 });
  });

  it('exits 0 only when something passed and nothing failed', async () => {
    const passed = { numPassedTests: 2, numFailedTests: 0, numFailedTestSuites: 0, testResults: [{ status: 'passed', assertionResults: [test('passed'), test('passed')] }] };
    expect(await summarize(passed)).toEqual({ line: 'tests: 2 passed, 0 failed, 0 skipped', code: 0 });
    expect((await summarize({ numPassedTests: 0, testResults: [] })).code).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';

const LAB = 'test/fixtures/config/lab-linux.yaml';

function chaoslab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(args, { cwd: process.cwd() });
}

/** Every usage error: exit 2, nothing on stdout, the mistake on one line, then the hint to that command's help. */
function expectUsageError(result: { code: number; stdout: string; stderr: string }, mistake: string, command: string): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toEqual([`chaoslab: usage: ${mistake}`, `hint: \`${command} --help\` lists every option`]);
}

describe('usage errors', () => {
  it('a bad option value is one line and a hint, not the whole help', async () => {
    expectUsageError(await chaoslab('run', '--lab', LAB, '--repeat', '0'), "option '--repeat <n>' argument '0' is invalid. must be a whole number ≥ 1", 'chaoslab run');
  });

  it('a missing required option is one line and a hint', async () => {
    expectUsageError(await chaoslab('run', '--suite', 'smoke'), "required option '--lab <file>' not specified", 'chaoslab run');
  });

  it('an unknown option of a nested command points at that command\'s help', async () => {
    expectUsageError(await chaoslab('lab', 'status', '--bogus'), "unknown option '--bogus'", 'chaoslab lab status');
  });

  it('usage errors found by chaoslab itself have the same form as commander\'s', async () => {
    expectUsageError(await chaoslab('run', '--lab', LAB, '--shard', '3/2'), '--shard must be i/n with 1 ≤ i ≤ n, like 2/4 (got "3/2")', 'chaoslab run');
  });

  it('--help still prints the whole help and exits 0', async () => {
    const result = await chaoslab('run', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: chaoslab run [options] [paths...]');
  });
});

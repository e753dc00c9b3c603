import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCommand } from '../../harness/quoting/template.js';
import { powershellInvocation, quotePosix, sh } from '../../harness/quoting/shell.js';

const run = promisify(execFile);

/** Real shells that interpret POSIX commands here: /bin/sh, dash and bash, each binary once (/bin/sh is dash on Debian). */
const SHELLS = ['/bin/sh', '/usr/bin/dash', '/usr/bin/bash']
  .filter((path) => existsSync(path))
  .filter((path, index, all) => all.findIndex((other) => realpathSync(other) === realpathSync(path)) === index);

/** Pieces shells treat specially, mixed with arbitrary unicode. */
const TRICKY = ["'", '"', '`', '$(', ')', '${', '}', '$', '\\', '\n', '\r', '\t', ' ', '%', '%s', '!', '!!', '*', '?', '[', '~', '#', ';', '&', '|', '<', '>', '-n', '--', 'é', 'ß', '日本', '🦀', '\u2018', '\u2019', '\u00a0'];

const shellString = fc
  .array(fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 12 })
  .map((parts) => parts.join(''))
  // NUL cannot be a shell argument; lone surrogates have no UTF-8 form to compare against.
  .filter((value) => !value.includes('\0') && Buffer.from(value, 'utf8').toString('utf8') === value);

async function shellOutput(shell: string, command: string): Promise<Buffer> {
  const { stdout } = await run(shell, ['-c', command], { encoding: 'buffer' });
  return stdout;
}

/**
 * Runs every generated case in one shell process, one command a line (a
 * process per case made this file the slowest of the unit loop), and returns
 * the first case whose output is not what it should be. A case that breaks
 * the whole script (say, a quote left open) is found by running the cases one
 * by one again.
 */
async function firstMismatch<T>(shell: string, cases: readonly T[], command: (c: T) => string, expected: (c: T) => string): Promise<{ case: T; output: string } | undefined> {
  const wanted = cases.map((c) => Buffer.from(expected(c), 'utf8'));
  const together = await shellOutput(shell, cases.map(command).join('\n'));
  if (together.equals(Buffer.concat(wanted))) return undefined;
  for (const [index, c] of cases.entries()) {
    const alone = await shellOutput(shell, command(c));
    if (!alone.equals(wanted[index]!)) return { case: c, output: alone.toString('utf8') };
  }
  return { case: cases.at(-1)!, output: `each case alone is right; together they print ${JSON.stringify(together.toString('utf8'))}` };
}

describe('POSIX quoting reaches a real shell byte for byte', () => {
  it('has at least one shell to test against', () => {
    expect(SHELLS).toContain('/bin/sh');
  });

  describe.each(SHELLS)('%s', (shell) => {
    it('quotePosix through the sh tagged template', async () => {
      const cases = fc.sample(shellString, 100);
      expect(await firstMismatch(shell, cases, (value) => sh`printf %s ${value}`, (value) => value)).toBeUndefined();
    });

    it('several values and a list through the sh tagged template stay separate arguments', async () => {
      const cases = fc.sample(fc.tuple(shellString, fc.array(shellString, { maxLength: 4 })), 60);
      const mismatch = await firstMismatch(
        shell,
        cases,
        ([first, rest]) => sh`printf '%s\\0' ${first} ${rest}`,
        ([first, rest]) => [first, ...rest].map((value) => `${value}\0`).join(''),
      );
      expect(mismatch).toBeUndefined();
    });

    it('values and lists through a handlebars command template', async () => {
      const render = compileCommand("printf '%s\\0' {{first}} {{join rest}}{{#each more}} {{this}}{{/each}}", 'posix');
      const cases = fc.sample(fc.tuple(shellString, fc.array(shellString, { maxLength: 3 }), fc.array(shellString, { maxLength: 3 })), 60);
      const mismatch = await firstMismatch(
        shell,
        cases,
        ([first, rest, more]) => render({ first, rest, more }),
        ([first, rest, more]) => [first, ...rest, ...more].map((value) => `${value}\0`).join(''),
      );
      expect(mismatch).toBeUndefined();
    });
  });

  it('refuses a NUL byte, which no shell argument can carry', () => {
    expect(() => quotePosix('a\0b')).toThrow(/NUL/);
  });
});

describe('PowerShell invocation for OpenSSH on Windows', () => {
  it('sends the script as base64 UTF-16LE that decodes back exactly', () => {
    fc.assert(
      fc.property(shellString, (script) => {
        const invocation = powershellInvocation(script);
        const match = /^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ([A-Za-z0-9+/]*={0,2})$/.exec(invocation);
        expect(match).not.toBeNull();
        expect(Buffer.from(match![1]!, 'base64').toString('utf16le')).toBe(script);
      }),
      { numRuns: 300 },
    );
  });
});

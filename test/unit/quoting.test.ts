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

describe('POSIX quoting reaches a real shell byte for byte', () => {
  it('has at least one shell to test against', () => {
    expect(SHELLS).toContain('/bin/sh');
  });

  describe.each(SHELLS)('%s', (shell) => {
    it('quotePosix through the sh tagged template', async () => {
      await fc.assert(
        fc.asyncProperty(shellString, async (value) => {
          const output = await shellOutput(shell, sh`printf %s ${value}`);
          expect(output.equals(Buffer.from(value, 'utf8'))).toBe(true);
        }),
        { numRuns: 100 },
      );
    });

    it('several values and a list through the sh tagged template stay separate arguments', async () => {
      await fc.assert(
        fc.asyncProperty(shellString, fc.array(shellString, { maxLength: 4 }), async (first, rest) => {
          const output = await shellOutput(shell, sh`printf '%s\\0' ${first} ${rest}`);
          const expected = [first, ...rest].map((value) => `${value}\0`).join('');
          expect(output.equals(Buffer.from(expected, 'utf8'))).toBe(true);
        }),
        { numRuns: 60 },
      );
    });

    it('values and lists through a handlebars command template', async () => {
      const render = compileCommand("printf '%s\\0' {{first}} {{join rest}}{{#each more}} {{this}}{{/each}}", 'posix');
      await fc.assert(
        fc.asyncProperty(shellString, fc.array(shellString, { maxLength: 3 }), fc.array(shellString, { maxLength: 3 }), async (first, rest, more) => {
          const output = await shellOutput(shell, render({ first, rest, more }));
          const expected = [first, ...rest, ...more].map((value) => `${value}\0`).join('');
          expect(output.equals(Buffer.from(expected, 'utf8'))).toBe(true);
        }),
        { numRuns: 60 },
      );
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

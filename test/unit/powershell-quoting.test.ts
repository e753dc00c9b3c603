import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { psScript, UTF8_PRELUDE } from '../../harness/quoting/powershell.js';
import { ps, quotePowerShell, raw } from '../../harness/quoting/shell.js';
import { readSingleQuoted, splitLiterals } from '../support/winrm-server/powershell-literals.js';

/**
 * PowerShell quoting, property-tested. No PowerShell interpreter is installable
 * here (`apt-cache policy powershell` finds no candidate), so literals are read
 * back with a reference reader of PowerShell's single-quoted string syntax.
 */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom("'", '\u2018', '\u2019', '\u201A', '\u201B', '"', '$', '`', '\n', '\r', '\t', ';', '|', '&', '(', ')', '{', '}', '@', '#', '<', '>', ' ', 'é', '日', '😀'),
    fc.string({ unit: 'grapheme', maxLength: 2 }),
  ),
  maxLength: 40,
}).filter((s) => !s.includes('\0'));

describe('PowerShell single-quoted literals', () => {
  it('quotePowerShell round-trips any string without NUL through the reference reader', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        const quoted = quotePowerShell(value);
        expect(readSingleQuoted(quoted, 0)).toEqual({ value, end: quoted.length });
      }),
      { numRuns: 2000 },
    );
  });

  it('ps templates keep every value inside its own literal and leave the code unchanged', () => {
    fc.assert(
      fc.property(nasty, nasty, fc.array(nasty, { maxLength: 4 }), (a, b, list) => {
        const script = ps`Set-Content -LiteralPath ${a} -Value ${b}; $x = @(${list})`;
        const { literals, code } = splitLiterals(script);
        expect(literals).toEqual([a, b, ...list]);
        expect(code).toBe(`Set-Content -LiteralPath '' -Value ''; $x = @(${list.map(() => "''").join(',')})`);
      }),
      { numRuns: 1000 },
    );
  });

  it('typographic quotes are doubled: naive quoting would end the literal early', () => {
    const value = 'it’s ‘here’';
    const naive = `'${value}'`;
    expect(readSingleQuoted(naive, 0).value).toBe('it');
    expect(readSingleQuoted(quotePowerShell(value), 0).value).toBe(value);
  });

  it('refuses NUL, which no PowerShell argument can carry', () => {
    expect(() => quotePowerShell('a\0b')).toThrow(/NUL/);
    expect(() => ps`Write-Output ${'a\0'}`).toThrow(/NUL/);
  });

  it('raw fragments stay code; scripts stop at the first error; the prelude switches output to UTF-8', () => {
    expect(ps`Set-SmbServerConfiguration -RequireSecuritySignature ${raw('$false')} -Force`).toBe('Set-SmbServerConfiguration -RequireSecuritySignature $false -Force');
    expect(psScript('exit 3')).toBe("$ErrorActionPreference = 'Stop'\nexit 3");
    expect(UTF8_PRELUDE).toContain('[Console]::OutputEncoding = [System.Text.Encoding]::UTF8');
  });
});

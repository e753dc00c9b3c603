import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMP, ShellHost } from '../support/winrm-server/shell-host.js';
import { bootstrapScript, CMD_LINE_LIMIT, decodeCodeUnits, decodeEncodedCommand, planPowerShell, TEMP_EXPANSION_BUDGET } from '../../harness/transport/winrm/powershell-command.js';

/** cmd.exe checks a line's length after expanding %TEMP%, so the plan must leave room for it. */
const expandTemp = (line: string, temp: string) => line.replaceAll('%TEMP%', temp);
const LONG_SCRIPT = Array.from({ length: 3000 }, (_, i) => `Set-Variable -Name v${i} -Value ${i}`).join('\n');

describe('planPowerShell: every cmd.exe line fits after %TEMP% expansion', () => {
  it.each([
    ['a domain profile', 'C:\\Users\\chaoslab.LAB\\AppData\\Local\\Temp'],
    ['a path as long as MAX_PATH', `C:\\${'t'.repeat(TEMP_EXPANSION_BUDGET - 3)}`],
  ])('%s', (_, temp) => {
    const plan = planPowerShell(LONG_SCRIPT);
    expect(plan.uploads.length).toBeGreaterThan(3);
    for (const line of [...plan.uploads, plan.run]) expect(expandTemp(line, temp).length).toBeLessThanOrEqual(CMD_LINE_LIMIT);
    // the chunks still use the room they have: no more lines than needed
    const chunkChars = plan.uploads.map((line) => /^echo (\S+) >>/.exec(line)![1]!.length);
    expect(Math.max(...chunkChars)).toBeGreaterThan(CMD_LINE_LIMIT - TEMP_EXPANSION_BUDGET - 80);
  });

  it('reassembles to the script with its UTF-8 prelude (hex digits only, as cmd.exe echoes them)', () => {
    const plan = planPowerShell(`${LONG_SCRIPT}\n# ünïcödé 日本 😀`, CMD_LINE_LIMIT, '00000000-0000-0000-0000-000000000001');
    const hex = plan.uploads.map((line) => /^echo ([0-9a-f]+) >>/.exec(line)![1]).join('');
    expect(decodeCodeUnits(hex).endsWith(`${LONG_SCRIPT}\n# ünïcödé 日本 😀`)).toBe(true);
    expect(decodeEncodedCommand(plan.run)).toBe(bootstrapScript('chaoslab-00000000-0000-0000-0000-000000000001'));
  });
});

describe('bootstrapScript: runs the uploaded text in-process (execution policy does not apply)', () => {
  const bootstrap = bootstrapScript('chaoslab-x');

  it('writes no .ps1 file and never calls a script path', () => {
    expect(bootstrap).not.toMatch(/\.ps1/);
    expect(bootstrap).toContain('Invoke-Expression -Command $text');
  });

  it('removes the uploaded chunks whatever happens, and passes the script\'s exit code on', () => {
    expect(bootstrap).toMatch(/finally \{ Remove-Item -LiteralPath \$chunks/);
    expect(bootstrap.trimEnd().split('\n').at(-1)).toBe('exit $global:LASTEXITCODE');
  });
});

describe('the WinRM test server expands %TEMP% like cmd.exe before checking the line length', () => {
  const line = (length: number) => {
    const prefix = 'echo ';
    const suffix = ' >> "%TEMP%\\chaoslab-00000000-0000-0000-0000-000000000000.hex"';
    return prefix + 'a'.repeat(length - prefix.length - suffix.length) + suffix;
  };

  it('refuses a line that fits only before expansion, and runs none of it', () => {
    const host = new ShellHost([]);
    const shell = host.createShell();
    const tooLong = line(CMD_LINE_LIMIT);
    expect(tooLong.replaceAll('%TEMP%', DEFAULT_TEMP).length).toBeGreaterThan(CMD_LINE_LIMIT);
    expect(host.start(shell, tooLong).reply).toEqual({ stderr: 'The input line is too long.\r\n', exitCode: 1 });
    expect(host.recorded.map((r) => r.kind)).toEqual(['refused']);
  });

  it('takes the same upload once it fits after expansion', () => {
    const host = new ShellHost([]);
    const fits = line(CMD_LINE_LIMIT - DEFAULT_TEMP.length + '%TEMP%'.length);
    host.start(host.createShell(), fits);
    expect(host.recorded.map((r) => r.kind)).toEqual(['upload']);
  });
});

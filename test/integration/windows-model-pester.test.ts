import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pesterModulePath } from '../support/pwsh.js';
import { runPwsh } from '../support/windows-model/run.js';

/**
 * The Windows model's own tests: every test/support/windows-model/tests/*.Tests.ps1,
 * run by Pester in one real pwsh. A failure lists each failed Pester test with its error.
 */
const TESTS = join(import.meta.dirname, '../support/windows-model/tests');

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

describe('the Windows model, tested with Pester', () => {
  it('passes every *.Tests.ps1', async () => {
    const files = readdirSync(TESTS).filter((name) => name.endsWith('.Tests.ps1'));
    expect(files.length).toBeGreaterThan(0);
    const script = [
      "$ErrorActionPreference = 'Stop'",
      `Import-Module ${quote(pesterModulePath())}`,
      '$config = New-PesterConfiguration',
      `$config.Run.Path = ${quote(TESTS)}`,
      '$config.Run.PassThru = $true',
      "$config.Output.Verbosity = 'None'",
      '$result = Invoke-Pester -Configuration $config',
      "foreach ($test in $result.Failed) { 'FAILED ' + $test.ExpandedPath + ': ' + (($test.ErrorRecord | ForEach-Object { $_.ToString() }) -join '; ') }",
      "foreach ($container in $result.Containers | Where-Object { $_.Result -ne 'Passed' }) { 'CONTAINER ' + $container.Item + ': ' + $container.Result + ' ' + (($container.ErrorRecord | ForEach-Object { $_.ToString() }) -join '; ') }",
      "'RAN ' + $result.Containers.Count + ' files, ' + $result.PassedCount + ' passed, ' + $result.FailedCount + ' failed'",
    ].join('\n');
    const run = await runPwsh(['-NoProfile', '-NonInteractive', '-EncodedCommand', Buffer.from(script, 'utf16le').toString('base64')], 600_000);
    const lines = run.stdout.split(/\r?\n/).filter(Boolean);
    expect(lines.filter((line) => /^(FAILED|CONTAINER) /.test(line)), run.stderr).toEqual([]);
    expect(lines.at(-1)).toMatch(new RegExp(`^RAN ${files.length} files, [1-9]\\d* passed, 0 failed$`));
  }, 600_000);
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { tempDir } from '../support/tmp.js';

/** A Windows scenario whose own check does not parse (the `if` misses its `)`). */
const BAD_CHECK = `kind: scenario
id: win-bad-check
title: a check PowerShell cannot parse
platform: windows
target: ws
check_type: x
sla: 10s
window: 20s
hold: 1s
expect: { outcome: heal }
steps:
  inject: Set-Item -LiteralPath 'x' -Value 1
  check: |
    if ((Get-Item -LiteralPath 'x').Value -eq 1 { exit 1 }
    exit 0
  revert: Remove-Item -LiteralPath 'x'
`;

describe('chaoslab validate parses PowerShell steps with pwsh', () => {
  it('a step that does not parse is exit 2 at its file:line, with the line inside the step', async () => {
    await using dir = await tempDir('chaoslab-validate-ps-');
    const file = join(dir.path, 'win-bad-check.yaml');
    await writeFile(file, BAD_CHECK);
    const result = await runCli(['validate', file], { cwd: process.cwd() });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`${file}:13:10 steps.check: PowerShell does not parse it (line 1, column 45 of the step): Missing closing ')'`);
  });

  it('without pwsh (not on PATH, not in ~/.dotnet/tools) it says the parse was skipped and exits 0', async () => {
    await using dir = await tempDir('chaoslab-validate-ps-');
    const file = join(dir.path, 'win-bad-check.yaml');
    await writeFile(file, BAD_CHECK);
    const result = await runCli(['validate', file], { cwd: process.cwd(), env: { HOME: dir.path, PATH: '/usr/bin:/bin' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('PowerShell steps not parsed: pwsh was not found on PATH or in ~/.dotnet/tools (4 scripts unchecked)');
  });
});

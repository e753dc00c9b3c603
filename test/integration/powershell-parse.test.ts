import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPwsh, parsePowerShell } from '../../harness/config/powershell-parser.js';
import { parsePowerShellSteps } from '../../harness/config/validate-powershell.js';
import { loadProject } from '../../harness/config/load-project.js';
import { pwshPath } from '../support/pwsh.js';
import { everyWindowsScript } from '../support/windows-scripts.js';

/**
 * Every PowerShell script chaoslab sends, parsed by PowerShell's own parser
 * (one pwsh process for all): a script that does not parse exits 1 on the
 * host, which a check would report as drift.
 */
describe('PowerShell parses every script chaoslab sends', () => {
  it('every Windows fault × parameter set × phase, the log tail, the long-script bootstrap and its chunks: 0 errors', async () => {
    const scripts = await everyWindowsScript();
    expect(scripts.length).toBeGreaterThan(150);
    expect(scripts.some((s) => s.phase === 'bootstrap')).toBe(true);
    const results = await parsePowerShell(scripts.map((s) => s.script), pwshPath());
    const failures = scripts.flatMap((s, index) => results[index]!.map((e) => `${s.label}: line ${e.line}:${e.column} ${e.message}`));
    expect(failures).toEqual([]);
    console.info(`parsed ${scripts.length} scripts, ${failures.length} parse errors`);
  });

  it('finds a parse error, with its line and column (the parser is really asked)', async () => {
    const [good, bad] = await parsePowerShell(["Write-Output 'fine'", "$x = 1\nif ($x -eq 1 { 'missing paren' }"], pwshPath());
    expect(good).toEqual([]);
    expect(bad![0]).toMatchObject({ line: 2 });
    expect(bad!.map((e) => e.message).join(' ')).toMatch(/\)/);
  });

  it('finds pwsh where setup installs it (~/.dotnet/tools), even off PATH', () => {
    expect(findPwsh({ PATH: '/nonexistent' })).toBe(pwshPath());
    expect(findPwsh({ PATH: '' }, '/nonexistent-home')).toBeUndefined();
  });
});

describe('validate parses a scenario\'s own PowerShell steps', () => {
  it('a check that does not parse is an error at the step, with the line inside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chaoslab-ps-validate-'));
    try {
      const file = join(dir, 'win-bad-check.yaml');
      await writeFile(
        file,
        [
          'kind: scenario',
          'id: win-bad-check',
          'title: a check with a parse error',
          'platform: windows',
          'target: ws',
          'check_type: x',
          'sla: 10s',
          'window: 20s',
          'hold: 1s',
          'expect: { outcome: heal }',
          'params: { name: "it\'s" }',
          'steps:',
          '  inject: Set-Item -LiteralPath {{name}} -Value 1',
          '  check: |',
          '    $v = Get-Item -LiteralPath {{name}}',
          '    if ($v.Value -eq 1 { exit 1 }',
          '    exit 0',
          '  revert: Remove-Item -LiteralPath {{name}}',
          '',
        ].join('\n'),
      );
      const project = await loadProject({ scenarioPaths: [dir] });
      const { parsed, issues } = await parsePowerShellSteps(project.catalogue.scenarios, pwshPath());
      expect(parsed).toBe(4);
      // PowerShell reports the broken `if` twice (the `{` it did not expect, the `)` it misses): both at the check step
      expect(issues.length).toBeGreaterThan(0);
      for (const issue of issues) {
        expect(issue).toMatchObject({ file, line: 14, path: 'steps.check' });
        expect(issue.message).toMatch(/^PowerShell does not parse it \(line 2, column \d+ of the step\)/);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

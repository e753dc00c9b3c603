import { describe, expect, it } from 'vitest';
import { loadProject } from '../../harness/config/load-project.js';
import { powershellSteps } from '../../harness/config/validate-powershell.js';
import { lintErrorHandling } from '../support/powershell-error-lint.js';
import { windowsParameterSets } from '../support/windows-scripts.js';

describe('the error-handling lint of checks and applicability tests', () => {
  it.each([
    ['-ErrorAction SilentlyContinue', "if ($null -eq (Get-Service -Name 'W32Time' -ErrorAction SilentlyContinue)) { exit 1 }"],
    ['-EA 0', "$task = Get-ScheduledTask -TaskName 'x' -EA 0"],
    ['-ErrorAc:Ignore', "$item = Get-Item -LiteralPath 'HKLM:\\X' -ErrorAc:Ignore"],
    ['a quoted value', "Get-NetRoute -DestinationPrefix '0.0.0.0/0' -ErrorAction 'SilentlyContinue'"],
    ['the preference', "$ErrorActionPreference = 'SilentlyContinue'\nGet-Item x"],
    ['an error variable nobody inspects', "$svc = Get-Service -Name x -ErrorAction SilentlyContinue -ErrorVariable failed\nif ($failed) { exit 2 }"],
  ])('refuses a blanket silence: %s', (_, script) => {
    expect(lintErrorHandling(script)).toHaveLength(1);
  });

  it('accepts a lookup that lets only "not found" through', () => {
    const script = [
      "$svc = Get-Service -Name 'W32Time' -ErrorAction SilentlyContinue -ErrorVariable lookup",
      "$other = @($lookup | Where-Object { $_.FullyQualifiedErrorId -notlike 'NoServiceFoundForGivenName*' })",
      'if ($other.Count -gt 0) { throw $other[0] }',
    ].join('\n');
    expect(lintErrorHandling(script)).toEqual([]);
    expect(lintErrorHandling("Get-Item -LiteralPath 'C:\\x' -ErrorAction Stop")).toEqual([]);
    // cleanup reads nothing the verdict depends on
    expect(lintErrorHandling("try { auditpol.exe /backup /file:$file } finally { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }")).toEqual([]);
  });

  it('finds nothing to forgive in the fault library: every check and applicability test, every parameter set used in scenarios/', async () => {
    const findings: string[] = [];
    for (const { fault, params, where } of await windowsParameterSets()) {
      const commands = fault.build(params);
      for (const [phase, script] of [['check', commands.check], ['applicable', commands.applicable]] as const) {
        if (script === undefined) continue;
        for (const f of lintErrorHandling(script)) findings.push(`${fault.name} [${where}] ${phase} line ${f.line}: ${f.why}\n    ${f.text}`);
      }
    }
    expect([...new Set(findings)]).toEqual([]);
  });

  it('finds nothing to forgive in the shipped scenarios\' own PowerShell checks', async () => {
    const { catalogue } = await loadProject({ scenarioPaths: ['scenarios'] });
    const checks = powershellSteps(catalogue.scenarios).filter((s) => s.step === 'check');
    expect(checks.flatMap(({ scenario, script }) => lintErrorHandling(script).map((f) => `${scenario.source.file} steps.check line ${f.line}: ${f.why}`))).toEqual([]);
  });
});

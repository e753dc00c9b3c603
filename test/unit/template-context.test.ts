import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compileCommand, validateTemplate } from '../../harness/quoting/template.js';

const run = promisify(execFile);

/**
 * A value is quoted as one whole word, so it may only sit where a bare word
 * may. Templates that put a value inside quotes or a comment are refused for
 * both shells; every accepted template keeps a hostile value inert.
 */
describe('command templates: values only where a bare word may sit', () => {
  const refusedPosix: [string, RegExp][] = [
    ['echo "v={{v}}"', /\{\{v\}\} sits inside a "…" string/],
    ["echo '{{v}}'", /\{\{v\}\} sits inside a '…' string/],
    ["echo $'a{{v}}'", /inside a \$'…' string/],
    ['echo `cat {{v}}`', /inside `…`/],
    ['true # {{v}}', /in a comment/],
    ['echo "{{join files}}"', /\{\{join files\}\} sits inside a "…" string/],
    ['echo ok\necho "x\n{{v}}"', /inside a "…" string/],
  ];
  it.each(refusedPosix)('POSIX sh refuses %j', (template, message) => {
    const problems = validateTemplate(template, { shell: 'posix', variables: ['v', 'files'] });
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(message)]);
    expect(() => compileCommand(template, 'posix')).toThrow(message);
  });

  const refusedPowerShell: [string, RegExp][] = [
    ['Write-Output "v={{v}}"', /inside a "…" string/],
    ["Write-Output '{{v}}'", /inside a '…' string/],
    ['Write-Output \u201C{{v}}\u201D', /inside a "…" string/],
    ['$x = @"\n{{v}}\n"@', /inside a here-string/],
    ['Get-Item x # {{v}}', /in a comment/],
    ['<# {{v}} #> Get-Item x', /inside a <# … #> comment/],
  ];
  it.each(refusedPowerShell)('PowerShell refuses %j', (template, message) => {
    expect(validateTemplate(template, { shell: 'powershell', variables: ['v'] }).map((p) => p.message)).toEqual([expect.stringMatching(message)]);
    expect(() => compileCommand(template, 'powershell')).toThrow(message);
  });

  const accepted: [string, 'posix' | 'powershell'][] = [
    ['echo v={{v}} "quoted text" {{v}}', 'posix'],
    ["printf '%s\\n' {{v}} > \"/tmp/a b\"", 'posix'],
    ['echo \\"{{v}}', 'posix'],
    ['echo "a" # "b"\necho {{v}}', 'posix'],
    ['x=$(cat {{v}}); echo "$x"', 'posix'],
    ['Write-Output ("v=" + {{v}}) "done"', 'powershell'],
    ["Set-Content -Path 'C:\\x' -Value {{v}} # 'note'", 'powershell'],
    ['<# "a" #> Write-Output {{v}}', 'powershell'],
  ];
  it.each(accepted)('accepts %j', (template, shell) => {
    expect(validateTemplate(template, { shell, variables: ['v'] })).toEqual([]);
  });

  it.each([
    // Handlebars prints `\\{{v}}` as a backslash and then the value: the shell's escape would cancel the value's opening quote
    ['posix', 'echo \\\\{{v}}'],
    ['posix', 'echo x\\\\{{v}}y'],
    ['powershell', 'Write-Output `{{v}}'],
  ] as const)('%s: a value right after an escape character is refused (%s)', (shell, template) => {
    expect(validateTemplate(template, { shell, variables: ['v'] })).toEqual([{ line: 1, column: expect.any(Number), message: expect.stringContaining('right after an escape character') }]);
  });

  it('compilation refuses such a template as well', () => {
    expect(() => compileCommand('echo \\\\{{v}}', 'posix')).toThrow(/right after an escape character/);
  });

  it('reports where the value sits, at its line and column', () => {
    expect(validateTemplate('echo ok\necho "a {{v}}"', { shell: 'posix', variables: ['v'] })).toEqual([
      { line: 2, column: 9, message: expect.stringContaining('put it outside the quotes: "v="{{v}} is one word') },
    ]);
  });
});

describe('property: no accepted POSIX template lets a value run a command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chaoslab-template-context-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const marker = join(dir, 'pwned');
  // a hostile value in every form a host's snapshot could take
  const hostile = [`$(touch ${marker})`, `\`touch ${marker}\``, `'; touch ${marker}; '`, `"; touch ${marker}; "`, `\ntouch ${marker}\n`, `x' $(touch ${marker}) '`];
  const pieces = ['echo ', 'v=', '"', "'", '`', ' # ', '\n', '$(', ')', '\\', '$\'', ' ; ', ' x ', '{{v}}', '{{v}}', '{{v}}'];

  it('renders either refused or inert, over random mixes of quotes, comments and substitutions', async () => {
    const accepted: { template: string; value: string; command: string }[] = [];
    for (const [parts, value] of fc.sample(fc.tuple(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 10 }), fc.constantFrom(...hostile)), 300)) {
      const template = parts.join('');
      if (!template.includes('{{v}}')) continue;
      if (validateTemplate(template, { shell: 'posix', variables: ['v'] }).length) continue;
      accepted.push({ template, value, command: compileCommand(template, 'posix')({ v: value }) });
    }
    expect(accepted.length).toBeGreaterThan(20);
    // every accepted command in a script of its own, all run by one shell (a shell process per case was most of this file's time)
    const scripts = mkdtempSync(join(tmpdir(), 'chaoslab-template-scripts-'));
    try {
      accepted.forEach(({ command }, index) => writeFileSync(join(scripts, `${String(index).padStart(4, '0')}.sh`), command));
      // each in a subshell of its own (a fork, no exec): a syntax error ends only that case
      const runEach = (files: string) => run('/bin/sh', ['-c', `for f in ${files}; do ( . "$f" ) </dev/null >/dev/null 2>&1; done; exit 0`], { cwd: dir, timeout: 120_000 });
      // a syntax error is fine (exit codes ignored): only an executed injection fails the property
      await runEach(`${scripts}/*.sh`);
      if (existsSync(marker)) {
        // name the case: run them one at a time until the marker appears
        for (const [index, { template, value }] of accepted.entries()) {
          rmSync(marker, { force: true });
          await runEach(join(scripts, `${String(index).padStart(4, '0')}.sh`));
          expect(existsSync(marker), `template ${JSON.stringify(template)} ran the value ${JSON.stringify(value)}`).toBe(false);
        }
      }
    } finally {
      rmSync(scripts, { recursive: true, force: true });
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});

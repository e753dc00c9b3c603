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
 * A value is set in a variable and the template refers to it; where the value
 * stands decides only how the reference is written. Refused: the places where no
 * reference expands, or where the shell would evaluate the value.
 */
describe('command templates: a reference written for where the value stands', () => {
  const posix: [string, string][] = [
    ['echo {{v}}', 'echo "${CHAOSLAB_V_v}"'],
    ['echo "v={{v}}"', 'echo "v=${CHAOSLAB_V_v}"'],
    ["echo 'v={{v}}'", `echo 'v='"\${CHAOSLAB_V_v}"''`],
    ["echo $'a{{v}}'", `echo $'a'"\${CHAOSLAB_V_v}"$''`],
    ['true # {{v}}', 'true # ${CHAOSLAB_V_v}'],
    ['echo "{{join files}}"', 'echo "${CHAOSLAB_V_1} ${CHAOSLAB_V_2}"'],
    ['cat <<EOF\n{{v}} "{{v}}"\nEOF\necho {{v}}', 'cat <<EOF\n${CHAOSLAB_V_v} "${CHAOSLAB_V_v}"\nEOF\necho "${CHAOSLAB_V_v}"'],
    ['cat <<A <<B\n{{v}}\nA\n{{v}}\nB', 'cat <<A <<B\n${CHAOSLAB_V_v}\nA\n${CHAOSLAB_V_v}\nB'],
    ['echo "$(echo "{{v}}" \'{{v}}\')"', `echo "$(echo "\${CHAOSLAB_V_v}" ''"\${CHAOSLAB_V_v}"'')"`],
    ['echo $(( {{v}} + 1 ))', 'echo $(( ${CHAOSLAB_V_v} + 1 ))'],
    ['echo "$(( {{v}} ))"', 'echo "$(( ${CHAOSLAB_V_v} ))"'],
    ['grep -v {{v}} f', 'grep -v "${CHAOSLAB_V_v}" f'],
    ['read -r line < {{v}}', 'read -r line < "${CHAOSLAB_V_v}"'],
    // a reserved word that is an argument is no command position
    ['echo then time {{v}}', 'echo then time "${CHAOSLAB_V_v}"'],
  ];
  it.each(posix)('POSIX sh: %j → %j', (template, body) => {
    expect(validateTemplate(template, { shell: 'posix', variables: ['v', 'files'] })).toEqual([]);
    expect(compileCommand(template, 'posix')({ v: '1', files: ['a', 'b'] }).split('\n').filter((line) => !line.startsWith('export ')).join('\n')).toBe(body);
  });

  const powershell: [string, string][] = [
    ['Write-Output {{v}}', 'Write-Output "${CHAOSLAB_V_v}"'],
    ['Write-Output "v={{v}}"', 'Write-Output "v=${CHAOSLAB_V_v}"'],
    ['Write-Output \u201C{{v}}\u201D', 'Write-Output \u201C${CHAOSLAB_V_v}\u201D'],
    ['$x = @"\n{{v}}\n"@', '$x = @"\n${CHAOSLAB_V_v}\n"@'],
    ['Write-Output "$("{{v}}")"', 'Write-Output "$("${CHAOSLAB_V_v}")"'],
    ['Get-Item x # {{v}}', 'Get-Item x # ${CHAOSLAB_V_v}'],
    ['<# {{v}} #> Get-Item {{v}}', '<# ${CHAOSLAB_V_v} #> Get-Item "${CHAOSLAB_V_v}"'],
  ];
  it.each(powershell)('PowerShell: %j → %j', (template, body) => {
    expect(validateTemplate(template, { shell: 'powershell', variables: ['v'] })).toEqual([]);
    expect(compileCommand(template, 'powershell')({ v: '1' }).split('\n').slice(1).join('\n')).toBe(body);
  });

  const refusedPosix: [string, RegExp][] = [
    ["cat <<'EOF'\n{{v}}\nEOF", /quoted here-document/],
    ['cat <<"EOF"\n{{v}}\nEOF', /quoted here-document/],
    ['cat <<\\EOF\n{{v}}\nEOF', /quoted here-document/],
    ['cat <<{{v}}\nx\n', /here-document delimiter/],
    ['echo `cat {{v}}`', /inside `…`/],
    ['[[ 1 -eq {{v}} ]]', /inside \[\[ … \]\]/],
    ['(( x = {{v}} ))', /inside \(\( … \)\)/],
    ['echo ${x:-a}${{v}}', /right after a `\$`/],
    ['echo ${x:-a {{v}} b}', /inside \$\{…\}/],
    ['eval echo {{v}}', /`eval`/],
    ['sh -c "echo {{v}}"', /sh -c "…"/],
    ["bash -xc 'echo {{v}}'", /sh -c '…'/],
    ['{{v}} --help', /command name/],
    ['true && {{v}}', /command name/],
    ['echo $({{v}})', /command name/],
    ['if ! sudo {{v}}; then :; fi', /command name/],
    ['find . -exec {{v}} {} +', /command name/],
    // Handlebars prints `\\{{v}}` as a backslash and then the value: the backslash would escape the reference
    ['echo \\\\{{v}}', /right after a backslash/],
    ['echo "\\\\{{v}}"', /right after a backslash/],
    ['echo $(( {{join files}} ))', /puts a list in \$\(\( … \)\)/],
    // bash evaluates these as arithmetic, or takes the value as a variable name and evaluates its subscript
    ['declare -i n={{v}}', /`let` or `declare -i`/],
    ['let n={{v}}+1', /`let` or `declare -i`/],
    ['a[{{v}}]=1', /array subscript/],
    ['echo $[ {{v}} + 1 ]', /inside \$\[ … \]/],
    ['printf -v {{v}} %s x', /after -v of test or printf/],
    ['[ -v "{{v}}" ]', /after -v of test or printf/],
    ['read -r {{v}}', /variable name for read/],
  ];
  it.each(refusedPosix)('POSIX sh refuses %j', (template, message) => {
    const problems = validateTemplate(template, { shell: 'posix', variables: ['v', 'files'] });
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(message)]);
    expect(() => compileCommand(template, 'posix')).toThrow(message);
  });

  const refusedPowerShell: [string, RegExp][] = [
    ["Write-Output '{{v}}'", /inside a '…' string/],
    ['Write-Output \u2018{{v}}\u2019', /inside a '…' string/],
    ["$x = @'\n{{v}}\n'@", /@'…'@ here-string/],
    ['cmd.exe /c echo {{v}}', /cmd\.exe/],
    ['cmd /c "echo {{v}}"', /cmd/],
    ['icacls --% {{v}}', /after --%/],
    ['Invoke-Expression "Get-Item {{v}}"', /Invoke-Expression/],
    ['iex {{v}}', /iex/],
    ['& {{v}}', /call operator/],
    ['Write-Output `{{v}}', /right after a backtick/],
    ['Write-Output ${{v}}', /right after a `\$`/],
  ];
  it.each(refusedPowerShell)('PowerShell refuses %j', (template, message) => {
    expect(validateTemplate(template, { shell: 'powershell', variables: ['v'] }).map((p) => p.message)).toEqual([expect.stringMatching(message)]);
    expect(() => compileCommand(template, 'powershell')).toThrow(message);
  });

  it('reports where the value sits, at its line and column', () => {
    expect(validateTemplate("echo ok\ncat <<'EOF'\nx {{v}}\nEOF", { shell: 'posix', variables: ['v'] })).toEqual([
      { line: 3, column: 3, message: expect.stringContaining('write <<EOF (unquoted) and the value is written as it is') },
    ]);
  });

  it('a value in $(( … )) must be a whole number when rendering', () => {
    const render = compileCommand('echo $(( {{v}} ))', 'posix');
    expect(render({ v: -12 })).toContain('echo $(( ${CHAOSLAB_V_v} ))');
    expect(() => render({ v: 'a[$(id)]' })).toThrow('{{v}} stands in $(( … )), so its value must be a whole number (got "a[$(id)]")');
  });
});

describe('property: no accepted POSIX template lets a value run a command', () => {
  // random mixes of quotes, comments, substitutions and here-documents around values
  const dir = mkdtempSync(join(tmpdir(), 'chaoslab-template-context-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const marker = join(dir, 'pwned');
  // a hostile value in every form a host's snapshot could take
  const hostile = [`$(touch ${marker})`, `\`touch ${marker}\``, `'; touch ${marker}; '`, `"; touch ${marker}; "`, `\ntouch ${marker}\n`, `x' $(touch ${marker}) '`];
  const pieces = ['echo ', 'v=', '"', "'", '`', ' # ', '\n', '$(', ')', '\\', '$\'', ' ; ', ' x ', '<<EOF\n', "<<'EOF'\n", '\nEOF\n', '$((', '))', '{{v}}', '{{v}}', '{{v}}'];

  it('renders either refused or inert, over random mixes of quotes, comments and substitutions', async () => {
    const accepted: { template: string; value: string; command: string }[] = [];
    for (const [parts, value] of fc.sample(fc.tuple(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 10 }), fc.constantFrom(...hostile)), 300)) {
      const template = parts.join('');
      if (!template.includes('{{v}}')) continue;
      if (validateTemplate(template, { shell: 'posix', variables: ['v'] }).length) continue;
      let command: string;
      try {
        command = compileCommand(template, 'posix')({ v: value });
      } catch {
        continue; // a hostile value in $(( … )) is refused when rendering
      }
      accepted.push({ template, value, command });
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

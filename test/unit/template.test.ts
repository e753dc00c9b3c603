import { describe, expect, it } from 'vitest';
import { compileCommand, renderCommand, validateTemplate } from '../../harness/quoting/template.js';
import { templateFailure } from '../support/template-failure.js';

describe('command templates: values travel as data', () => {
  it('sets every value in a variable from one quoted literal, and the command refers to it (POSIX sh)', () => {
    const command = renderCommand('grep -q {{pattern}} {{file}}', 'posix', { pattern: "it's $(rm -rf /)", file: '/etc/my file' });
    expect(command).toBe(`export CHAOSLAB_V_pattern='it'\\''s $(rm -rf /)'\nexport CHAOSLAB_V_file='/etc/my file'\ngrep -q "\${CHAOSLAB_V_pattern}" "\${CHAOSLAB_V_file}"`);
  });

  it('sets every value in a variable from one quoted literal, and the command refers to it (PowerShell)', () => {
    const command = renderCommand('Set-Content -Path {{path}} -Value {{value}}', 'powershell', { path: 'C:\\a b', value: "it's ‘typographic’ $env:X" });
    expect(command).toBe(`\${CHAOSLAB_V_path} = 'C:\\a b'\n\${CHAOSLAB_V_value} = 'it''s ‘‘typographic’’ $env:X'\nSet-Content -Path "\${CHAOSLAB_V_path}" -Value "\${CHAOSLAB_V_value}"`);
  });

  it('numbers the variables of values without a plain name: nested fields, literals, lookups', () => {
    const render = compileCommand('x {{port}} {{on}} {{rule.name}} {{"lit eral"}} {{lookup ports proto}}', 'posix');
    expect(render({ port: 22, on: true, rule: { name: 'a b' }, ports: { tcp: 443 }, proto: 'tcp' })).toBe(
      [
        "export CHAOSLAB_V_port='22'",
        "export CHAOSLAB_V_on='true'",
        "export CHAOSLAB_V_1='a b'",
        "export CHAOSLAB_V_2='lit eral'",
        "export CHAOSLAB_V_3='443'",
        'x "${CHAOSLAB_V_port}" "${CHAOSLAB_V_on}" "${CHAOSLAB_V_1}" "${CHAOSLAB_V_2}" "${CHAOSLAB_V_3}"',
      ].join('\n'),
    );
  });

  it('joins lists with each element its own variable: words in sh, an array in PowerShell', () => {
    expect(renderCommand('rm -f {{join files}}', 'posix', { files: ['a b', "c'd", 7] })).toBe(
      `export CHAOSLAB_V_1='a b'\nexport CHAOSLAB_V_2='c'\\''d'\nexport CHAOSLAB_V_3='7'\nrm -f "\${CHAOSLAB_V_1}" "\${CHAOSLAB_V_2}" "\${CHAOSLAB_V_3}"`,
    );
    expect(renderCommand('Remove-Item {{join files}}', 'powershell', { files: ['a b', "c'd"] })).toBe(
      `\${CHAOSLAB_V_1} = 'a b'\n\${CHAOSLAB_V_2} = 'c''d'\nRemove-Item "\${CHAOSLAB_V_1}","\${CHAOSLAB_V_2}"`,
    );
  });

  it('gives values inside if, unless, each (with block params and @index) and with their own variables', () => {
    const template = '{{#each files as |f|}}touch {{f}} {{@index}}; {{/each}}{{#if on}}on{{else}}off{{/if}} {{#unless on}}no{{/unless}}{{#with rule}}{{name}}{{/with}}';
    const command = renderCommand(template, 'posix', { files: ['a b', 'c'], on: false, rule: { name: 'r 1' } });
    expect(command.split('\n').at(-1)).toBe('touch "${CHAOSLAB_V_1}" "${CHAOSLAB_V_2}"; touch "${CHAOSLAB_V_3}" "${CHAOSLAB_V_4}"; off no"${CHAOSLAB_V_5}"');
    expect(command).toContain("export CHAOSLAB_V_5='r 1'\n");
  });

  it('leaves the template text itself alone, including shell syntax, and adds nothing without values', () => {
    expect(renderCommand("test -f {{file}} && echo '$HOME' | tr a b", 'posix', { file: 'x' })).toBe(`export CHAOSLAB_V_file='x'\ntest -f "\${CHAOSLAB_V_file}" && echo '$HOME' | tr a b`);
    expect(renderCommand("echo '$HOME' # {{! a note }}", 'posix', {})).toBe("echo '$HOME' # ");
  });

  it('one name is one variable; a name that differs only in case gets a number (PowerShell names ignore case)', () => {
    expect(renderCommand('echo {{a}} {{a}} {{A}}', 'powershell', { a: 'x', A: 'y' })).toBe(`\${CHAOSLAB_V_a} = 'x'\n\${CHAOSLAB_V_1} = 'y'\necho "\${CHAOSLAB_V_a}" "\${CHAOSLAB_V_a}" "\${CHAOSLAB_V_1}"`);
  });
});

describe('command templates: rejected constructs', () => {
  const rejected: [string, RegExp][] = [
    ['echo {{{value}}}', /1:6 \{\{\{value\}\}\} would paste a value into the command text: write \{\{value\}\}/],
    ['echo {{& value}}', /1:6 \{\{& value\}\} would paste a value into the command text/],
    ['echo {{> snippet}}', /1:6 partials are not allowed: \{\{> snippet\}\}/],
    ['{{#> layout}}x{{/layout}}', /partials are not allowed/],
    ['echo {{{{raw}}}}{{value}}{{{{/raw}}}}', /1:6 raw blocks are not allowed: \{\{\{\{raw\}\}\}\}/],
    ['echo {{shout value}}', /1:6 unknown helper "shout" in \{\{shout value\}\}/],
    ['echo {{join (shout value)}}', /unknown helper "shout" in \(shout value\)/],
    ['{{#custom}}x{{/custom}}', /unknown block helper "custom": only if, unless, each, with/],
    ['{{*decorate}}', /Decorator is not allowed/],
    ['echo {{value', /1:1 not a valid template: Expecting/],
    ['{{#if a}}x{{/each}}', /not a valid template: if doesn't match each/],
  ];
  it.each(rejected)('rejects %s', (template, message) => {
    expect(templateFailure(() => compileCommand(template, 'posix')).message).toMatch(message);
    expect(validateTemplate(template, { shell: 'posix' }).length).toBeGreaterThan(0);
  });

  it('reports every problem of a template with its line and column', () => {
    const problems = validateTemplate('ok {{a}}\nthen {{{b}}} and {{> c}}', { shell: 'posix' });
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [2, 6],
      [2, 18],
    ]);
    expect(validateTemplate('fine {{a}} {{join b}} {{#each c}}{{this}}{{/each}}', { shell: 'posix' })).toEqual([]);
  });
});

describe('command templates: strict variables', () => {
  it('fails on an unknown variable instead of rendering an empty string', () => {
    const render = compileCommand('rm -rf /tmp/{{dir}}', 'posix');
    expect(templateFailure(() => render({})).message).toMatch(/unknown variable "dir"/);
  });

  it('fails on unknown names in block conditions, lists and nested fields', () => {
    expect(templateFailure(() => renderCommand('echo {{#if flag}}x{{/if}}', 'posix', {})).message).toMatch(/unknown variable "flag"/);
    expect(templateFailure(() => renderCommand('echo {{join files}}', 'posix', {})).message).toMatch(/unknown variable "files"/);
    expect(templateFailure(() => renderCommand('echo {{rule.port}}', 'posix', { rule: {} })).message).toMatch(/unknown variable "rule.port"/);
    expect(templateFailure(() => renderCommand('echo {{#each xs}}{{name}}{{/each}}', 'posix', { xs: [{ name: 'a' }, {}] })).message).toMatch(
      /unknown variable "xs\[1\]\.name"/,
    );
  });

  it('refuses values that are not scalars where a scalar is needed', () => {
    expect(templateFailure(() => renderCommand('echo {{files}}', 'posix', { files: ['a'] })).message).toMatch(/\{\{files\}\} is a list: write \{\{join files\}\}/);
    expect(templateFailure(() => renderCommand('echo {{rule}}', 'posix', { rule: {} })).message).toMatch(/must be a string, number or boolean \(got an object\)/);
    expect(templateFailure(() => renderCommand('echo {{x}}', 'posix', { x: null })).message).toMatch(/got null/);
    expect(templateFailure(() => renderCommand('echo {{join x}}', 'posix', { x: 'a' })).message).toMatch(/\{\{join x\}\} needs a list \(got string\)/);
    expect(() => renderCommand('echo {{x}}', 'posix', { x: 'a\0b' })).toThrow(/NUL/);
  });

  it('validateTemplate checks top-level names against the known variables', () => {
    const problems = validateTemplate('echo {{a}} {{b}} {{#each list as |item|}}{{item}} {{field}}{{/each}} {{@root.c}} {{#if d}}{{/if}}', { shell: 'posix', variables: ['a', 'list'] });
    expect(problems.map((p) => p.message)).toEqual([
      'unknown variable "b" (known: a, list)',
      'unknown variable "c" (known: a, list)',
      'unknown variable "d" (known: a, list)',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { compileCommand, renderCommand, validateTemplate } from '../../harness/quoting/template.js';
import { templateFailure } from '../support/template-failure.js';

describe('command templates: quoting by construction', () => {
  it('quotes every interpolated value for POSIX sh', () => {
    const command = renderCommand('grep -q {{pattern}} {{file}}', 'posix', { pattern: "it's $(rm -rf /)", file: '/etc/my file' });
    expect(command).toBe(`grep -q 'it'\\''s $(rm -rf /)' '/etc/my file'`);
  });

  it('quotes every interpolated value for PowerShell', () => {
    const command = renderCommand('Set-Content -Path {{path}} -Value {{value}}', 'powershell', { path: 'C:\\a b', value: "it's ‘typographic’ $env:X" });
    expect(command).toBe(`Set-Content -Path 'C:\\a b' -Value 'it''s ‘‘typographic’’ $env:X'`);
  });

  it('quotes numbers, booleans, nested fields, literals and lookups', () => {
    const render = compileCommand('x {{port}} {{on}} {{rule.name}} {{"lit eral"}} {{lookup ports proto}}', 'posix');
    expect(render({ port: 22, on: true, rule: { name: 'a b' }, ports: { tcp: 443 }, proto: 'tcp' })).toBe(`x '22' 'true' 'a b' 'lit eral' '443'`);
  });

  it('joins lists with each element quoted: words in sh, an array in PowerShell', () => {
    expect(renderCommand('rm -f {{join files}}', 'posix', { files: ['a b', "c'd", 7] })).toBe(`rm -f 'a b' 'c'\\''d' '7'`);
    expect(renderCommand('Remove-Item {{join files}}', 'powershell', { files: ['a b', "c'd"] })).toBe(`Remove-Item 'a b','c''d'`);
  });

  it('quotes inside if, unless, each (with block params and @index) and with', () => {
    const template = '{{#each files as |f|}}touch {{f}} {{@index}}; {{/each}}{{#if on}}on{{else}}off{{/if}} {{#unless on}}no{{/unless}}{{#with rule}}{{name}}{{/with}}';
    expect(renderCommand(template, 'posix', { files: ['a b', 'c'], on: false, rule: { name: 'r 1' } })).toBe(`touch 'a b' '0'; touch 'c' '1'; off no'r 1'`);
  });

  it('leaves the template text itself alone, including shell syntax', () => {
    expect(renderCommand("test -f {{file}} && echo '$HOME' | tr a b", 'posix', { file: 'x' })).toBe(`test -f 'x' && echo '$HOME' | tr a b`);
  });
});

describe('command templates: rejected constructs', () => {
  const rejected: [string, RegExp][] = [
    ['echo {{{value}}}', /1:6 \{\{\{value\}\}\} would insert a value unquoted: write \{\{value\}\}/],
    ['echo {{& value}}', /1:6 \{\{& value\}\} would insert a value unquoted/],
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
    expect(templateFailure(() => renderCommand('{{#if flag}}x{{/if}}', 'posix', {})).message).toMatch(/unknown variable "flag"/);
    expect(templateFailure(() => renderCommand('{{join files}}', 'posix', {})).message).toMatch(/unknown variable "files"/);
    expect(templateFailure(() => renderCommand('{{rule.port}}', 'posix', { rule: {} })).message).toMatch(/unknown variable "rule.port"/);
    expect(templateFailure(() => renderCommand('{{#each xs}}{{name}}{{/each}}', 'posix', { xs: [{ name: 'a' }, {}] })).message).toMatch(
      /unknown variable "xs\[1\]\.name"/,
    );
  });

  it('refuses values that are not scalars where a scalar is needed', () => {
    expect(templateFailure(() => renderCommand('{{files}}', 'posix', { files: ['a'] })).message).toMatch(/\{\{files\}\} is a list: write \{\{join files\}\}/);
    expect(templateFailure(() => renderCommand('{{rule}}', 'posix', { rule: {} })).message).toMatch(/must be a string, number or boolean \(got an object\)/);
    expect(templateFailure(() => renderCommand('{{x}}', 'posix', { x: null })).message).toMatch(/got null/);
    expect(templateFailure(() => renderCommand('{{join x}}', 'posix', { x: 'a' })).message).toMatch(/\{\{join x\}\} needs a list \(got string\)/);
    expect(() => renderCommand('{{x}}', 'posix', { x: 'a\0b' })).toThrow(/NUL/);
  });

  it('validateTemplate checks top-level names against the known variables', () => {
    const problems = validateTemplate('{{a}} {{b}} {{#each list as |item|}}{{item}} {{field}}{{/each}} {{@root.c}} {{#if d}}{{/if}}', { shell: 'posix', variables: ['a', 'list'] });
    expect(problems.map((p) => p.message)).toEqual([
      'unknown variable "b" (known: a, list)',
      'unknown variable "c" (known: a, list)',
      'unknown variable "d" (known: a, list)',
    ]);
  });
});

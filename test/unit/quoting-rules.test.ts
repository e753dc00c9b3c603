import { describe, expect, it } from 'vitest';
import { ps, quoteListFor, quotePosix, quotePowerShell, raw, sh } from '../../harness/quoting/shell.js';
import { compileCommand, renderCommand, validateTemplate } from '../../harness/quoting/template.js';
import { templateFailure } from '../support/template-failure.js';

/**
 * The quoting rules as tables: input → the exact text each shell gets, and what
 * the template renderer refuses (with the message an author reads). The property
 * tests (quoting.test.ts, powershell-quoting.test.ts, template-context.test.ts)
 * check the shells' reading of the output; these pin the output itself.
 */

describe('POSIX sh: one single-quoted word, a quote becomes close-escape-reopen', () => {
  it.each([
    ['', "''"],
    ['abc', "'abc'"],
    ["it's", "'it'\\''s'"],
    ["''", "''\\'''\\'''"],
    ['$(rm -rf /) `id` ${HOME} \\ "x"', '\'$(rm -rf /) `id` ${HOME} \\ "x"\''],
    ['a\nb\tc', "'a\nb\tc'"],
    ['‘typographic’', "'‘typographic’'"],
  ])('quotePosix(%j) is %s', (value, quoted) => {
    expect(quotePosix(value)).toBe(quoted);
  });
});

describe('PowerShell: one single-quoted literal, every kind of single quote doubled', () => {
  it.each([
    ['', "''"],
    ['abc', "'abc'"],
    ["it's", "'it''s'"],
    ['\u2018a\u2019b\u201Ac\u201B', "'\u2018\u2018a\u2019\u2019b\u201A\u201Ac\u201B\u201B'"],
    ['"$env:X" `n $(x) @(y)', '\'"$env:X" `n $(x) @(y)\''],
    ['a\nb', "'a\nb'"],
  ])('quotePowerShell(%j) is %s', (value, quoted) => {
    expect(quotePowerShell(value)).toBe(quoted);
  });
});

describe('tagged templates and lists', () => {
  it('sh quotes strings, numbers and booleans, spreads a list into words and leaves raw() as code', () => {
    expect(sh`rm -f ${['a b', 3]} ${raw('&&')} echo ${true} ${0}`).toBe("rm -f 'a b' '3' && echo 'true' '0'");
    expect(sh`${'x'}`).toBe("'x'");
    expect(sh`echo ${[]}done`).toBe('echo done');
  });

  it('ps makes a list an array (comma-separated) and leaves raw() as code', () => {
    expect(ps`$x = @(${['a', "b'c", 4]}); Write-Output ${false} ${raw('$x')}`).toBe("$x = @('a','b''c','4'); Write-Output 'false' $x");
  });

  it.each([
    ['posix', [], ''],
    ['posix', ['a'], "'a'"],
    ['posix', ['a b', "c'd"], "'a b' 'c'\\''d'"],
    ['powershell', [], ''],
    ['powershell', ['a'], "'a'"],
    ['powershell', ['a b', "c'd"], "'a b','c''d'"],
  ] as const)('quoteListFor(%s, %j) is %s', (shell, values, quoted) => {
    expect(quoteListFor(shell, values)).toBe(quoted);
  });
});

describe('command templates: what is refused, and the message', () => {
  const refused: [string, string][] = [
    // a literal in a helper's place would be printed with its arguments dropped
    ['echo {{"rm" target}}', '1:6 unknown helper ""rm"" in {{"rm" target}}'],
    ['{{#"each" xs}}x{{/"each"}}', '1:1 unknown block helper ""each"": only if, unless, each, with'],
    ['echo {{join ("lookup" m k)}}', '1:13 unknown helper ""lookup"" in ("lookup" m k)'],
    ['echo {{join (join m)}}', '1:13 unknown helper "join" in (join m)'],
    // the else branch is checked like the main one
    ['{{#if on}}x{{else}}echo {{{v}}}{{/if}}', '1:25 {{{v}}} would paste a value into the command text: write {{v}}, which passes it as data'],
    ['{{#each xs}}x{{else}}{{> p}}{{/each}}', '1:22 partials are not allowed: {{> p}}'],
    // a construct over several lines is quoted whole
    ['echo {{{ value\n  }}}', '1:6 {{{ value\n  }}} would paste a value into the command text: write {{value}}, which passes it as data'],
    // every problem, one a line
    ['a {{{x}}}\nb {{> y}} {{{{raw}}}}{{{{/raw}}}}', '1:3 {{{x}}} would paste a value into the command text: write {{x}}, which passes it as data\n2:3 partials are not allowed: {{> y}}\n2:11 raw blocks are not allowed: {{{{raw}}}}'],
    // the position of a parse error is where it is, past line 9 as well; the reason without handlebars' own position
    [`${'\n'.repeat(11)}echo {{value`, "12:1 not a valid template: Expecting 'ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA', got 'INVALID'"],
    [`${'\n'.repeat(11)}echo ok; {{#if a}}x{{/each}}`, "12:13 not a valid template: if doesn't match each"],
  ];
  it.each(refused)('refuses %j', (template, message) => {
    expect(templateFailure(() => compileCommand(template, 'posix')).message).toBe(message);
  });

  it('accepts what handlebars resolves to an allowed helper, and comments', () => {
    expect(renderCommand('echo {{#[each] xs}}{{this}} {{/[each]}}', 'posix', { xs: [1, 'a b'] })).toBe(`export CHAOSLAB_V_1='1'\nexport CHAOSLAB_V_2='a b'\necho "\${CHAOSLAB_V_1}" "\${CHAOSLAB_V_2}" `);
    expect(renderCommand('rm {{join ([lookup] m k)}}; rm {{join (lookup m k)}}', 'posix', { m: { a: ['x', 'y z'] }, k: 'a' }).split('\n').at(-1)).toBe(
      'rm "${CHAOSLAB_V_1}" "${CHAOSLAB_V_2}"; rm "${CHAOSLAB_V_3}" "${CHAOSLAB_V_4}"',
    );
    expect(renderCommand('echo {{! a note }}{{!-- {{v}} --}}ok', 'posix', {})).toBe('echo ok');
  });
});

describe('command templates: names checked against the known variables', () => {
  const check = (template: string, variables: readonly string[]) => validateTemplate(template, { shell: 'posix', variables }).map((p) => `${p.line}:${p.column} ${p.message}`);

  it.each([
    // if and unless keep the template's variables in scope; each and with switch to the item
    ['echo {{#if on}}{{missing}}{{/if}}', ['on'], ['1:18 unknown variable "missing" (known: on)']],
    ['echo {{#unless on}}x{{else}}{{missing}}{{/unless}}', ['on'], ['1:31 unknown variable "missing" (known: on)']],
    ['echo {{#with rule}}{{name}} {{port}}{{/with}}', ['rule'], []],
    ['echo {{#each list as |item|}}{{item}} {{field}}{{/each}}{{missing}}', ['list'], ['1:59 unknown variable "missing" (known: list)']],
    // arguments of blocks and helpers, hash values included
    ['echo {{#each items sep=other}}{{/each}}', ['items'], ['1:24 unknown variable "other" (known: items)']],
    ['echo {{lookup ports (lookup protos kind)}}', ['ports', 'protos'], ['1:36 unknown variable "kind" (known: ports, protos)']],
    // literals, {{this}} and handlebars' own @data names are not variables; @root.name is
    ['echo {{lookup ports "tcp"}} {{"lit"}} {{42}} {{this}} {{#each list}}{{@key.length}}{{@index}}{{/each}}', ['ports', 'list'], []],
    ['echo {{@root.port}}', ['host'], ['1:8 unknown variable "port" (known: host)']],
    ['echo {{a}}', [], ['1:8 unknown variable "a" (known: none)']],
    // `if` gives no block params: `y` would be unset when rendering
    ['echo {{#if a as |y|}}{{y}}{{/if}}', ['a'], ['1:24 unknown variable "y" (known: a)']],
    // `../` outside each/with has nothing to climb out of; inside one it reaches the variables
    ['echo {{#if a}}{{../b}}{{/if}}', ['a', 'b'], ['1:17 "../b" climbs out of no each or with']],
    ['echo {{#each list}}{{../b}}{{/each}}', ['list', 'b'], []],
  ] as const)('%j with %j', (template, variables, problems) => {
    expect(check(template, variables)).toEqual(problems);
  });
});

describe('command templates: rendering values', () => {
  it('each over a map gives every value a variable', () => {
    expect(renderCommand('echo {{#each ports}}{{this}} {{/each}}', 'posix', { ports: { tcp: 443, udp: '5 3' } })).toBe(`export CHAOSLAB_V_1='443'\nexport CHAOSLAB_V_2='5 3'\necho "\${CHAOSLAB_V_1}" "\${CHAOSLAB_V_2}" `);
  });

  it('a bigint is a number', () => {
    expect(renderCommand('echo {{x}} {{join xs}}', 'powershell', { x: 10n, xs: [1n, 2] })).toBe(`\${CHAOSLAB_V_x} = '10'\n\${CHAOSLAB_V_1} = '1'\n\${CHAOSLAB_V_2} = '2'\necho "\${CHAOSLAB_V_x}" "\${CHAOSLAB_V_1}","\${CHAOSLAB_V_2}"`);
  });

  it('a value given as undefined is missing, not an empty string', () => {
    expect(templateFailure(() => renderCommand('echo {{x}}', 'posix', { x: undefined })).message).toBe('{{x}}: unknown variable (no value given)');
    expect(templateFailure(() => renderCommand('echo {{join xs}}', 'posix', { xs: ['a', undefined] })).message).toBe('{{join xs}}: unknown variable (no value given)');
  });

  it('names the expression as written, whatever its literals hold', () => {
    expect(templateFailure(() => renderCommand('echo {{ lookup m "{{a}}" }}', 'posix', { m: { '{{a}}': ['x'] } })).message).toBe('{{lookup m "{{a}}"}} is a list: write {{join lookup m "{{a}}"}}');
    expect(templateFailure(() => renderCommand('echo {{~join m~}}', 'posix', { m: null })).message).toBe('{{join m}} needs a list (got null)');
  });

  it('an unknown name fails once, with the path to it', () => {
    expect(templateFailure(() => renderCommand('rm -rf /tmp/{{dir}}', 'posix', {})).message).toBe('cannot render command template: unknown variable "dir"');
    expect(templateFailure(() => renderCommand('echo {{#each xs}}{{a.b}}{{/each}}', 'posix', { xs: [{ a: {} }] })).message).toBe('cannot render command template: unknown variable "xs[0].a.b"');
  });

  it('a name under a null fails, in a block condition too (strict mode), as a template error with the cause', () => {
    for (const template of ['{{#if a.b}}x{{else}}y{{/if}}', 'echo {{a.b}}']) {
      const error = templateFailure(() => renderCommand(template, 'posix', { a: null }));
      expect(error.message).toBe("cannot render command template: Cannot read properties of null (reading 'b')");
      expect(error.cause).toBeInstanceOf(TypeError);
    }
  });
});

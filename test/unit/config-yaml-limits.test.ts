import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDocument, loadFile } from '../../harness/config/load-file.js';
import { MAX_NESTING, MAX_TOKENS } from '../../harness/config/load-yaml-bounds.js';
import { MAX_YAML_BYTES } from '../../harness/config/load-yaml.js';
import { MAX_ISSUES_PER_FILE } from '../../harness/config/load-issues.js';
import { MAX_COMMAND_CHARS } from '../../harness/config/scenario-schema.js';
import { formatIssue } from '../../harness/core/errors.js';
import { tempDir } from '../support/tmp.js';

function problems(text: string): string[] {
  return (loadDocument('inline.yaml', text, 'inline').issues ?? []).map(formatIssue);
}

/** Ten levels of nine aliases each: 9^10 values once expanded. */
function aliasBomb(): string {
  const lines = ['id: bomb', 'a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let level = 1; level < 10; level += 1) lines.push(`a${level}: &a${level} [${Array.from({ length: 9 }, () => `*a${level - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

describe('YAML the library refuses or cannot build', () => {
  it('an alias bomb is a problem of the file at the first alias, not a thrown ReferenceError', () => {
    expect(problems(aliasBomb())).toEqual(['inline.yaml:3:10: invalid YAML: aliases (*name) expand to too much data (more than 100 expansions); write the values out instead']);
  });

  it('an alias inside the node it names is a problem at that alias, not a crash of the schema check (found by the fuzz test)', () => {
    expect(problems('id: loop\nother: 1\na: &b { k: *b }\n')).toEqual([
      'inline.yaml:3:12: invalid YAML: an alias (*name) is used inside the node it names, so the value would contain itself; write the value out instead',
    ]);
    expect(problems('id: loop\nlist: &l [1, [2, *l]]\n')).toEqual([
      'inline.yaml:2:18: invalid YAML: an alias (*name) is used inside the node it names, so the value would contain itself; write the value out instead',
    ]);
  });

  it('the same node named twice side by side is shared, not circular', () => {
    expect(problems('id: x\nbase: &base { a: 1 }\none: *base\ntwo: { inner: *base }\n').join('\n')).not.toContain('invalid YAML');
  });

  it('a few aliases are fine', () => {
    expect(problems('base: &base { a: 1 }\nother: *base\n').join('\n')).not.toContain('invalid YAML');
  });
});

describe('duplicate keys (checked by chaoslab, one set per mapping)', () => {
  it('are found in nested block and flow mappings, at the repeated key', () => {
    expect(problems('id: x\nexpect:\n  outcome: heal\n  outcome: ignore\nsteps: { inject: a, inject: b }\n')).toEqual([
      'inline.yaml:4:3: duplicate key "outcome" (each key may appear once in a mapping)',
      'inline.yaml:5:21: duplicate key "inject" (each key may appear once in a mapping)',
    ]);
  });

  it('the same word as a string and as a number are different keys, as for the YAML library', () => {
    expect(problems('id: x\nmap: { 1: a, "1": b }\n').join('\n')).not.toContain('duplicate key');
  });

  it('the same key in sibling mappings is not a duplicate', () => {
    expect(problems('id: x\na: { k: 1 }\nb: { k: 2 }\n').join('\n')).not.toContain('duplicate key');
  });
});

describe('file size cap', () => {
  it('a file over the cap is refused before it is read, with its size and the cap', async () => {
    await using dir = await tempDir('chaoslab-yaml-size-');
    const file = join(dir.path, 'huge.yaml');
    const text = `id: huge\ntitle: "${'x'.repeat(MAX_YAML_BYTES)}"\n`;
    await writeFile(file, text);
    const result = await loadFile(file, 'huge');
    expect(result.issues?.map(formatIssue)).toEqual([`${file}:1:1: the file is ${text.length} bytes; chaoslab reads YAML files of at most ${MAX_YAML_BYTES} bytes (1 MiB): is this the right file?`]);
  });

  it('text over the cap given directly is refused too', () => {
    expect(problems(`id: x\n#${'x'.repeat(MAX_YAML_BYTES)}\n`)[0]).toContain(`chaoslab reads YAML files of at most ${MAX_YAML_BYTES} bytes`);
  });
});

const SCENARIO = 'id: big\ntitle: Big\nplatform: linux\ntarget: web\ncheck_type: fixture\nsla: 60s\nwindow: 5m\nexpect: { outcome: heal }\n';
const STEPS = 'steps: { inject: "true", check: "true", revert: "true" }\n';
const lines = (count: number, line: (i: number) => string) => Array.from({ length: count }, (_, i) => line(i)).join('');

describe('hostile shapes are problems of the file, never a crash (issue #25)', () => {
  it('lists nested too deep are refused at the line where the limit is crossed', () => {
    const deep = `${SCENARIO}${STEPS}x:\n  ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`;
    const found = problems(deep);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^inline\\.yaml:11:\\d+: lists and mappings nest more than ${MAX_NESTING} levels deep here`));
  });

  it('block nesting counts as much as brackets', () => {
    expect(problems(`${SCENARIO}${STEPS}x:\n${'- '.repeat(MAX_NESTING + 5)}leaf\n`)[0]).toContain(`nest more than ${MAX_NESTING} levels deep`);
  });

  it('nesting a little less deep than the limit is read as usual', () => {
    const found = problems(`${SCENARIO}${STEPS}params:\n  x: ${'['.repeat(MAX_NESTING - 4)}1${']'.repeat(MAX_NESTING - 4)}\n`);
    expect(found).toEqual([]);
  });

  it('a file with too many tokens is refused where it crosses the limit, with the limit', () => {
    const found = problems(`${SCENARIO}${STEPS}tags:\n${lines(MAX_TOKENS / 2, () => '- t\n')}`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^inline\\.yaml:\\d+:\\d+: the file has more than ${MAX_TOKENS} YAML tokens`));
    expect(Number(found[0]!.split(':')[1])).toBeGreaterThan(1000);
  });

  it('30 000 bad list items are a capped list of problems, not a RangeError from push(...items)', () => {
    // below the token limit by giving each item one token less: the schema, not the parser, finds them
    const items = 30_000;
    const found = problems(`${SCENARIO}${STEPS}tags: [${lines(items, () => '"",')}]\n`);
    expect(found).toHaveLength(MAX_ISSUES_PER_FILE + 1);
    expect(found[0]).toBe('inline.yaml:10:8 tags[0]: must not be empty');
    expect(found.at(-1)).toBe(`inline.yaml:10:${8 + 3 * MAX_ISSUES_PER_FILE}: … and ${items - MAX_ISSUES_PER_FILE} more problems here and below (only the first ${MAX_ISSUES_PER_FILE} are shown)`);
  });

  it('many unknown keys are each placed at their own line (the lookup of a key is not a search)', () => {
    const found = problems(`${SCENARIO}${STEPS}${lines(20_000, (i) => `unknown${i}: v\n`)}`);
    expect(found).toHaveLength(MAX_ISSUES_PER_FILE + 1);
    expect(found[0]).toMatch(/^inline\.yaml:10:1: unknown key "unknown0" \(expected one of: kind, id, title/);
    expect(found[MAX_ISSUES_PER_FILE - 1]).toMatch(new RegExp(`^inline\\.yaml:${9 + MAX_ISSUES_PER_FILE}:1: unknown key "unknown${MAX_ISSUES_PER_FILE - 1}"`));
  });

  it('a step command longer than the limit is refused by the schema before its template is read', () => {
    const huge = `echo {{a}}; `.repeat(Math.ceil(MAX_COMMAND_CHARS / 12) + 1);
    const found = problems(`${SCENARIO}params: { a: 1 }\nsteps:\n  check: "true"\n  revert: "true"\n  inject: "${huge}"\n`);
    expect(found).toEqual([`inline.yaml:13:11 steps.inject: must be at most ${MAX_COMMAND_CHARS} characters long: put a long script in a file on the host and run that`]);
  });
});

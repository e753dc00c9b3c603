import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDocument, loadFile } from '../../harness/config/load-file.js';
import { MAX_YAML_BYTES } from '../../harness/config/load-yaml.js';
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
    expect(result.issues?.map(formatIssue)).toEqual([`${file}:1:1: the file is ${text.length} bytes; chaoslab reads YAML files of at most ${MAX_YAML_BYTES} bytes (10 MB): is this the right file?`]);
  });

  it('text over the cap given directly is refused too', () => {
    expect(problems(`id: x\n#${'x'.repeat(MAX_YAML_BYTES)}\n`)[0]).toContain(`chaoslab reads YAML files of at most ${MAX_YAML_BYTES} bytes`);
  });
});

import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorText, exitCodeForError } from '../../harness/cli/action.js';
import { validationSummary } from '../../harness/cli/commands/validate.js';
import { loadProject } from '../../harness/config/load-project.js';
import { ExitCode } from '../../harness/core/exit-codes.js';
import { tempDir } from '../support/tmp.js';

/**
 * Whatever bytes a scenario, suite or inventory file holds, `validate` answers
 * "valid" (exit 0) or lists problems (exit 2); it never crashes with a stack
 * trace. This drives the same path as the CLI: loadProject, then the CLI's own
 * mapping of errors to exit codes and text.
 */
const FIXTURES = 'test/fixtures/config';
const VALID = {
  scenario: readFileSync('scenarios/linux/lin-audit.yaml', 'utf8'),
  suite: readFileSync(`${FIXTURES}/catalogue/suites/smoke.yaml`, 'utf8'),
  lab: readFileSync(`${FIXTURES}/lab-linux.yaml`, 'utf8'),
};
/** Pieces that exercise the YAML library's corners: anchors, aliases, merges, tags, flow, block scalars, odd characters. */
const YAML_PIECES = ['&a [x, x, x, x]', '*a', '<<: *a', 'a: &b { k: *b }', '!!binary', '!!int x', '? [a]\n: b', '|-\n  x', '>+', '{', '}', '[', ']', ': ', '- ', '\t', '\n', '\n  ', '#', '"', "'", '\\u0000', '\u0000', '\uFEFF', '%YAML 1.1\n---\n', '---\n', '...\n', 'id: other\n', 'kind: lab\n', 'kind: suite\n', '~', '.nan', '0x1F', '1e400'];

type Mutation = { at: number; remove: number; insert: string };
const mutation = fc.record({ at: fc.nat(), remove: fc.nat({ max: 12 }), insert: fc.oneof(fc.constantFrom(...YAML_PIECES), fc.string({ unit: 'binary', maxLength: 6 }), fc.constant('')) });

function mutate(text: string, mutations: readonly Mutation[]): string {
  let out = text;
  for (const { at, remove, insert } of mutations) {
    const position = at % (out.length + 1);
    out = out.slice(0, position) + insert + out.slice(position + remove);
  }
  return out;
}

interface Outcome {
  readonly code: number;
  readonly output: string;
}

async function validate(file: string, kind: 'scenario' | 'suite' | 'lab'): Promise<Outcome> {
  try {
    const project = await loadProject(kind === 'lab' ? { scenarioPaths: [`${FIXTURES}/steps-only`], labPath: file } : { scenarioPaths: [file] });
    return { code: ExitCode.ok, output: validationSummary(project).join('\n') };
  } catch (error) {
    return { code: exitCodeForError(error), output: errorText(error) };
  }
}

function expectCleanAnswer(outcome: Outcome): void {
  expect([ExitCode.ok, ExitCode.usage], outcome.output).toContain(outcome.code);
  expect(outcome.output).not.toMatch(/\n\s+at \S/);
}

describe('validate on random and mutated files', () => {
  for (const kind of ['scenario', 'suite', 'lab'] as const) {
    it(`a mutated ${kind} file is valid or a list of problems, never a crash`, async () => {
      await using dir = await tempDir('chaoslab-fuzz-');
      const file = join(dir.path, `${kind}.yaml`);
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (mutations) => {
          await writeFile(file, mutate(VALID[kind], mutations));
          expectCleanAnswer(await validate(file, kind));
        }),
        { numRuns: 120 },
      );
    });
  }

  it('random bytes are valid or a list of problems, never a crash', async () => {
    await using dir = await tempDir('chaoslab-fuzz-');
    const file = join(dir.path, 'random.yaml');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('scenario', 'lab') as fc.Arbitrary<'scenario' | 'lab'>, async (bytes, kind) => {
        await writeFile(file, bytes);
        expectCleanAnswer(await validate(file, kind));
      }),
      { numRuns: 150 },
    );
  });

  it('the unmutated files are valid (so mutations start from something that passes)', async () => {
    await using dir = await tempDir('chaoslab-fuzz-');
    for (const kind of ['scenario', 'lab'] as const) {
      const file = join(dir.path, `${kind}.yaml`);
      await writeFile(file, VALID[kind]);
      const outcome = await validate(file, kind);
      expect(outcome.code, outcome.output).toBe(ExitCode.ok);
    }
  });
});

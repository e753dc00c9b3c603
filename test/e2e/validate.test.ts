import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { tempDir } from '../support/tmp.js';

const FIXTURES = 'test/fixtures/config';

/** The real CLI, as a user runs it (`npm test` builds dist/ first; startCli checks). */
function chaoslab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(args, { cwd: process.cwd() });
}

describe('chaoslab validate', () => {
  it('exits 0 with a count summary; a windows scenario on a linux lab is reported as to be skipped', async () => {
    const result = await chaoslab('validate', `${FIXTURES}/steps-only`, '--lab', `${FIXTURES}/lab-linux.yaml`);
    expect(result.stderr).toBe('');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      'valid: 2 scenarios, 0 bundles, 1 suite in 3 files',
      'lab fixture-linux: 3 hosts; every target matches a host and no fault touches the management plane',
      '1 windows scenario will be skipped: lab fixture-linux has no windows host',
      // the windows scenario's own steps (its check also as wrapped), parsed by pwsh
      expect.stringMatching(/^PowerShell steps parsed by \S*pwsh: 4 scripts, no errors$/),
    ]);
  });

  it('prints warnings (a window shorter than the healer\'s scan interval) but still exits 0', async () => {
    const result = await chaoslab('validate', `${FIXTURES}/steps-only`, '--lab', `${FIXTURES}/lab-slow-healer.yaml`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `warning: ${FIXTURES}/steps-only/linux/lin-file-mode.yaml:9:9 window: 20s is shorter than lab fixture-slow-healer's healer_scan_interval (15m): the healer may not scan before the window ends`,
    );
  });

  it('without --lab says what it did not check', async () => {
    const result = await chaoslab('validate', `${FIXTURES}/steps-only`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('targets and the management plane were not checked: pass --lab <inventory>');
  });

  it('exits 2 and prints every problem of every file, one per line, as file:line:col path: message', async () => {
    const result = await chaoslab('validate', `${FIXTURES}/bad/unknown-key.yaml`, `${FIXTURES}/bad/bad-duration.yaml`, `${FIXTURES}/bad/bundle-unknown-member`);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n').map((line) => line.trim());
    expect(lines).toEqual([
      'chaoslab: 3 problems found; nothing was run',
      `${FIXTURES}/bad/bad-duration.yaml:6:6 sla: must be a duration like 90s, 2m or 500ms (got "90 seconds")`,
      `${FIXTURES}/bad/bundle-unknown-member/bundle.yaml:6:5 members[1]: unknown scenario "lin-membr" (did you mean "lin-member"?)`,
      `${FIXTURES}/bad/unknown-key.yaml:7:1: unknown key "windo" (did you mean "window"?)`,
    ]);
  });

  it('exits 2 on a target that matches no host of the lab, naming the scenario line', async () => {
    const result = await chaoslab('validate', `${FIXTURES}/bad/target-no-host.yaml`, '--lab', `${FIXTURES}/lab-linux.yaml`);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`${FIXTURES}/bad/target-no-host.yaml:4:9 target: "mail" matches no linux host`);
  });

  it('exits 2 on a fault that touches the management plane', async () => {
    const result = await chaoslab('validate', `${FIXTURES}/bad/unsafe-steps.yaml`, '--lab', `${FIXTURES}/lab-linux.yaml`);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('steps.inject: unsafe fault: the steps appear to touch the management plane of host web-1: service healer');
  });

  it('exits 2 on a path that does not exist', async () => {
    const result = await chaoslab('validate', `${FIXTURES}/nowhere`);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`${FIXTURES}/nowhere: no such file or folder`);
  });
});

describe('chaoslab schema', () => {
  it('writes the five JSON Schema files, each naming its kind', async () => {
    await using dir = await tempDir('chaoslab-schema-');
    const result = await chaoslab('schema', '--out', dir.path);
    expect(result.code, result.stderr).toBe(0);
    expect((await readdir(dir.path)).sort()).toEqual(['bundle.schema.json', 'expectations.schema.json', 'lab.schema.json', 'scenario.schema.json', 'suite.schema.json']);
    for (const kind of ['bundle', 'expectations', 'lab', 'scenario', 'suite']) {
      const schema = JSON.parse(await readFile(join(dir.path, `${kind}.schema.json`), 'utf8')) as { $id: string; type: string; additionalProperties: boolean };
      expect(schema.$id).toBe(`urn:chaoslab:schema:${kind}`);
      expect(schema.type).toBe('object');
      expect(schema.additionalProperties).toBe(false);
    }
    expect(result.stdout).toContain(`wrote ${join(dir.path, 'scenario.schema.json')}`);
  });

  it('--check exits 2 and names stale files', async () => {
    await using dir = await tempDir('chaoslab-schema-');
    const result = await chaoslab('schema', '--out', dir.path, '--check');
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`${join(dir.path, 'scenario.schema.json')} is out of date`);
  });

  it('an alias bomb is a problem of its file (exit 2, file:line), never a stack trace', async () => {
    await using dir = await tempDir('chaoslab-validate-bomb-');
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`)];
    const file = join(dir.path, 'bomb.yaml');
    await writeFile(file, `id: bomb\n${levels.join('\n')}\n`);
    const result = await chaoslab('validate', file);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`${file}:3:10: invalid YAML: aliases (*name) expand to too much data`);
    expect(result.stderr).not.toMatch(/ReferenceError|\n\s+at /);
  });

  it('hostile shapes (deep nesting, a flood of bad items, too many tokens) are problems of their files: exit 2, file:line, never a RangeError or a stack trace', async () => {
    await using dir = await tempDir('chaoslab-validate-hostile-');
    const head = 'id: big\ntitle: Big\nplatform: linux\ntarget: web\ncheck_type: fixture\nsla: 60s\nwindow: 5m\nexpect: { outcome: heal }\nsteps: { inject: "true", check: "true", revert: "true" }\n';
    const deep = join(dir.path, 'deep.yaml');
    const items = join(dir.path, 'items.yaml');
    const tokens = join(dir.path, 'tokens.yaml');
    await writeFile(deep, `${head}x: ${'['.repeat(400_000)}${']'.repeat(400_000)}\n`);
    await writeFile(items, `${head}tags: [${'"",'.repeat(30_000)}]\n`);
    await writeFile(tokens, `${head}tags:\n${'- t\n'.repeat(150_000)}`);
    const result = await chaoslab('validate', deep, items, tokens);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`${deep}:10:\\d+: lists and mappings nest more than 64 levels deep here`));
    expect(result.stderr).toContain(`${items}:10:8 tags[0]: must not be empty`);
    expect(result.stderr).toContain('… and 29900 more problems here and below (only the first 100 are shown)');
    expect(result.stderr).toMatch(new RegExp(`${tokens}:\\d+:\\d+: the file has more than 200000 YAML tokens`));
    expect(result.stderr).not.toMatch(/RangeError|heap|\n\s+at /);
  });
});

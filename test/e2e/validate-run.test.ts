import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { tempDir } from '../support/tmp.js';

const FIXTURES = 'test/fixtures/config';
const BAD = `${FIXTURES}/bad`;
const LAB = `${FIXTURES}/lab-linux.yaml`;

/** The real CLI, as a user runs it (`npm test` builds dist/ first; startCli checks). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(args, { cwd: process.cwd(), env });
}

/** Every bad-input class, with the line `validate` prints for it. */
const CASES: [string, string][] = [
  ['unknown-key.yaml', `${BAD}/unknown-key.yaml:7:1: unknown key "windo"`],
  ['bad-duration.yaml', `${BAD}/bad-duration.yaml:6:6 sla: must be a duration`],
  ['duplicate-id', `${BAD}/duplicate-id/second.yaml:1:5 id: duplicate scenario/bundle id "lin-dup"`],
  ['window-lt-sla.yaml', `${BAD}/window-lt-sla.yaml:7:9 window: must be at least the sla`],
  ['unknown-fault.yaml', `${BAD}/unknown-fault.yaml:10:8 fault.use: unknown built-in fault`],
  ['target-no-host.yaml', `${BAD}/target-no-host.yaml:4:9 target: "mail" matches no linux host`],
  ['inline-secret.yaml', `${BAD}/inline-secret.yaml:11:16 params.db_password: looks like an inline secret`],
  ['unsafe-steps.yaml', `${BAD}/unsafe-steps.yaml:10:11 steps.inject: unsafe fault:`],
  ['malformed.yaml', `${BAD}/malformed.yaml:5:1: invalid YAML`],
  ['duplicate-key.yaml', `${BAD}/duplicate-key.yaml:7:1: duplicate key "sla"`],
  ['bundle-unknown-member', `${BAD}/bundle-unknown-member/bundle.yaml:6:5 members[1]: unknown scenario "lin-membr"`],
  ['suite-glob-nothing', `${BAD}/suite-glob-nothing/suite.yaml:5:5 include[1]: "win-*" matches no scenario`],
];

describe('chaoslab run refuses invalid config before anything happens', () => {
  it.each(CASES)('%s: exit 2, the same message as validate, no report, no journal', async (fixture, expected) => {
    await using dir = await tempDir('chaoslab-run-invalid-');
    const reports = join(dir.path, 'reports');
    const result = await cli(['run', `${BAD}/${fixture}`, '--lab', LAB, '--out', reports, '--reporter', 'json'], { CHAOSLAB_STATE_DIR: join(dir.path, 'state') });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(expected);
    expect(result.stderr).toContain('nothing was run');
    expect(existsSync(reports)).toBe(false);
    const state = join(dir.path, 'state', 'journal');
    expect(existsSync(state) ? await readdir(state) : []).toEqual([]);
  });

  it('a malformed --shard is a usage error (exit 2) before loading anything', async () => {
    await using dir = await tempDir('chaoslab-run-invalid-');
    const result = await cli(['run', `${FIXTURES}/steps-only`, '--lab', LAB, '--shard', '3/2', '--out', join(dir.path, 'reports')], { CHAOSLAB_STATE_DIR: join(dir.path, 'state') });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('--shard must be i/n with 1 ≤ i ≤ n, like 2/4 (got "3/2")');
    expect(existsSync(join(dir.path, 'reports'))).toBe(false);
  });
});

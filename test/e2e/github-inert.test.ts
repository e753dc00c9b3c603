import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { createEngineLab, type EngineLab } from '../support/engine-lab.js';
import { commandsTheRunnerWouldRun } from '../support/github-runner.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * Issue #25: in a GitHub job (`GITHUB_ACTIONS=true`) with `--reporter
 * console,github`, what a lab host prints must not become a workflow command.
 * The host here is a real sshd; its check prints `::error::`, `::stop-commands::`
 * (which would silence chaoslab's own annotations), an indented `::notice::`, a
 * command after a lone carriage return and a legacy `##[error]` on stderr, then
 * exits 3 (could not tell): the attempt is inconclusive, and both reporters
 * print that cause.
 */
const HOST_SAYS = ['::error::pwned by the host', '::stop-commands::host-token', '  ::notice::indented', 'ok\\r::warning::after a carriage return', 'see ##[error]legacy'];

const HOSTILE_SCENARIO = [
  'id: lin-hostile-output',
  'title: a host whose check prints workflow commands',
  'platform: linux',
  'target: web1',
  'check_type: hostile_output',
  'sla: 2s',
  'window: 4s',
  'hold: 1s',
  'expect: { outcome: heal }',
  'steps:',
  '  inject: "true"',
  // a block scalar: ` #` would start a YAML comment in a plain one
  '  check: |-',
  `    printf '${HOST_SAYS.join('\\n')}\\n' >&2; exit 3`,
  '  revert: "true"',
  '',
].join('\n');

describe('host text in a GitHub job (e2e)', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let result: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [{ id: 'heals', behaviour: 'heal', hold: '500ms' }]);
    await writeFile(join(lab.scenariosDir, 'lin-hostile-output.yaml'), HOSTILE_SCENARIO);
    result = await runCli(['run', lab.scenariosDir, '--lab', lab.labFile, '--out', join(lab.dir, 'reports'), '--reporter', 'console,github'], {
      cwd: lab.dir,
      env: { CHAOSLAB_STATE_DIR: join(lab.dir, 'state'), GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: '' },
    });
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('prints what the host said, as text', () => {
    expect(result.code, result.stderr).toBe(0);
    const visible = result.stdout.replaceAll('\u200B', '');
    for (const said of ['::error::pwned by the host', '::stop-commands::host-token', '::notice::indented', '::warning::after a carriage return', '##[error]legacy']) expect(visible).toContain(said);
  });

  it("leaves chaoslab's own annotations the only workflow commands of the job", () => {
    const commands = commandsTheRunnerWouldRun(`${result.stdout}\n${result.stderr}`);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(command).toMatch(/^::(error|warning|notice) title=[^:]*::/);
    expect(commands.some((command) => command.startsWith('::warning title=lin-hostile-output @ web1::'))).toBe(true);
    expect(commands.some((command) => command.startsWith('::notice title=chaoslab::'))).toBe(true);
  });
});

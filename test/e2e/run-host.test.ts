import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { tempDir } from '../support/tmp.js';

/**
 * `chaoslab run --host <name>` (repeatable) keeps the plan to the named hosts of
 * the lab: a role-targeted scenario runs on a named host that has the role, one
 * that fits none of them is a `filtered` skip, and a name the lab does not have
 * is a usage error (exit 2) that lists the lab's hosts. Planned with --dry-run:
 * nothing is contacted. (html-real-run.test.ts runs a copied rerun command,
 * which pins the host this way, against a real sshd.)
 */
const SCENARIOS = resolve('test/fixtures/config/steps-only');
const LAB = resolve('test/fixtures/config/lab-linux.yaml');

interface ReportedAttempt { scenarioId: string; host: string; verdict: { kind: string; reason: string; detail: string } }

describe('run --host', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const env = () => ({ CHAOSLAB_STATE_DIR: join(dir.path, 'state') });

  beforeAll(async () => {
    dir = await tempDir('chaoslab-run-host-');
  });
  afterAll(async () => {
    await dir?.[Symbol.asyncDispose]();
  });

  async function plannedAttempts(out: string, ...options: string[]): Promise<ReportedAttempt[]> {
    const result = await runCli(['run', SCENARIOS, '--lab', LAB, '--dry-run', '--reporter', 'json', '--out', join(dir.path, out), ...options], { cwd: dir.path, env: env() });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(dir.path, out, 'latest', 'report.json'), 'utf8')) as { run: { attempts: ReportedAttempt[] } };
    return report.run.attempts.filter((a) => a.scenarioId === 'lin-file-mode');
  }

  it('runs a role-targeted scenario on the named host, also when several hosts have the role', async () => {
    // lin-file-mode targets the role web: web-1 and web-2 have it
    expect((await plannedAttempts('one', '--host', 'web-2')).map((a) => [a.host, a.verdict.reason])).toEqual([['web-2', 'dry_run']]);
    const both = await plannedAttempts('two', '--all-hosts', '--host', 'web-2', '--host', 'db-1');
    expect(both.map((a) => [a.host, a.verdict.reason])).toEqual([['web-2', 'dry_run']]);
  });

  it('skips as filtered a scenario that fits none of the named hosts, saying where it would run', async () => {
    const [attempt] = await plannedAttempts('none', '--host', 'db-1');
    expect(attempt!.verdict).toEqual({ kind: 'skipped', reason: 'filtered', detail: 'runs on web-1, web-2, not on --host db-1' });
  });

  it('refuses a host the lab does not have: exit 2, naming it and the lab\'s hosts', async () => {
    const result = await runCli(['run', SCENARIOS, '--lab', LAB, '--dry-run', '--host', 'web-1', '--host', 'web-9', '--out', join(dir.path, 'bad')], { cwd: dir.path, env: env() });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe('chaoslab: usage: --host: lab fixture-linux has no host "web-9" (its hosts: web-1, web-2, db-1)');
  });
});

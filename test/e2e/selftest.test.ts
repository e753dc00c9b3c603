import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import type { SelfTestReport } from '../../harness/engine/self-test-session.js';
import { connectEngine, execInContainer } from '../../harness/transport/container-engine.js';
import { containerName, projectRoot } from '../../harness/lab/paths.js';
import { startCli } from '../support/engine-cli.js';
import { startTestLab, type TestLab } from '../support/lab-cluster.js';
import { tempDir } from '../support/tmp.js';

/**
 * `chaoslab selftest` on a container lab of its own: every shipped Linux
 * scenario is sound; a revert that does not restore is not_reverted and the host
 * is put back from the snapshot (or quarantined, its journal entry kept); an
 * inject that does nothing is not_applied; the healer is paused while faults are
 * proven and running afterwards, also after Ctrl-C.
 */
let lab: TestLab;
let dir: Awaited<ReturnType<typeof tempDir>>;
const engine = connectEngine();
const PROBE_FILE = '/etc/chaoslab-selftest.conf';

function container(host: string): string {
  return containerName(lab.config.name, host);
}

async function sh(host: string, script: string): Promise<{ exitCode: number; stdout: string }> {
  const result = await execInContainer(engine, container(host), ['sh', '-c', script]);
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout };
}

/** The reference healer's process state letter (T: stopped). */
async function healerState(host: string): Promise<string> {
  return (await sh(host, 'ps -o stat= -p "$(cat /run/chaoslab-healer.pid)" | cut -c1')).stdout.trim();
}

function stepsScenario(id: string, target: string, steps: Record<string, string>, extra: string[] = []): string {
  return [
    `id: ${id}`, `title: ${id}`, 'platform: linux', `target: ${target}`, 'check_type: selftest_probe', 'sla: 10s', 'window: 20s', 'hold: 2s',
    'expect: {outcome: heal}', ...extra, 'steps:', ...Object.entries(steps).map(([step, command]) => `  ${step}: ${JSON.stringify(command)}`), '',
  ].join('\n');
}

async function report(stdout: string): Promise<SelfTestReport> {
  return JSON.parse(stdout) as SelfTestReport;
}

async function pendingEntries(): Promise<string[]> {
  return (await readdir(join(dir.path, 'state', 'journal')).catch(() => [] as string[])).filter((name) => name.endsWith('.json'));
}

beforeAll(async () => {
  dir = await tempDir('chaoslab-selftest-');
  lab = await startTestLab(`selftest-${process.pid}`, dir.path);
  const scenarios = join(dir.path, 'scenarios');
  await mkdir(scenarios);
  // A file-form snapshot (as the built-in file faults take) and a revert that forgets to restore it.
  const snapshot = `if [ -e ${PROBE_FILE} ]; then printf 'present %s %s ' "$(stat -c %a ${PROBE_FILE})" "$(stat -c %u:%g ${PROBE_FILE})"; base64 -w0 < ${PROBE_FILE}; else echo absent; fi`;
  await writeFile(
    join(scenarios, 'broken-revert.yaml'),
    stepsScenario('st-broken-revert', 'lin-web-1', { snapshot, inject: `echo drift >> ${PROBE_FILE}`, check: `if grep -q drift ${PROBE_FILE}; then exit 1; fi`, revert: 'true' }, [`resources: ['file:${PROBE_FILE}']`]),
  );
  await writeFile(join(scenarios, 'noop-inject.yaml'), stepsScenario('st-noop-inject', 'lin-db-1', { inject: 'true', check: 'true', revert: 'true' }));
  // Records the healer's state while the fault is in: the self-test must have paused it.
  await writeFile(
    join(scenarios, 'healer-witness.yaml'),
    stepsScenario('st-healer-witness', 'lin-app-1', {
      inject: 'ps -o stat= -p "$(cat /run/chaoslab-healer.pid)" | cut -c1 > /tmp/healer-state-during && touch /tmp/st-drift',
      check: 'if [ -e /tmp/st-drift ]; then exit 1; fi',
      revert: 'rm -f /tmp/st-drift',
    }),
  );
  const ctrlC = join(dir.path, 'ctrl-c');
  await mkdir(ctrlC);
  // Holds its inject until the test says so, so Ctrl-C lands while a fault is being injected.
  await writeFile(
    join(ctrlC, 'held-inject.yaml'),
    stepsScenario('st-held-inject', 'lin-app-1', {
      inject: 'touch /tmp/st-injecting; while [ ! -e /tmp/st-go ]; do sleep 0.1; done; touch /tmp/st-held',
      check: 'if [ -e /tmp/st-held ]; then exit 1; fi',
      revert: 'rm -f /tmp/st-held /tmp/st-injecting /tmp/st-go',
    }),
  );
  await writeFile(join(ctrlC, 'z-after.yaml'), stepsScenario('st-after-ctrl-c', 'lin-app-1', { inject: 'touch /tmp/st-never', check: 'true', revert: 'true' }));
  const noSnapshot = join(dir.path, 'no-snapshot');
  await mkdir(noSnapshot);
  await writeFile(
    join(noSnapshot, 'broken-no-snapshot.yaml'),
    stepsScenario('st-broken-no-snapshot', 'lin-db-1', { inject: 'touch /tmp/st-left-behind', check: 'if [ -e /tmp/st-left-behind ]; then exit 1; fi', revert: 'true' }),
  );
  expect((await sh('lin-web-1', `printf 'baseline line\\n' > ${PROBE_FILE} && chmod 640 ${PROBE_FILE}`)).exitCode).toBe(0);
}, 900_000);

afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
  await dir?.[Symbol.asyncDispose]();
});

describe('chaoslab selftest', () => {
  it('proves every shipped Linux scenario sound, with the healers paused and running again afterwards', async () => {
    const started = Date.now();
    const result = await lab.cli(['selftest', '--lab', lab.file, '--suite', 'linux-full', '--out', join(dir.path, 'reports'), '--json']);
    const seconds = (Date.now() - started) / 1000;
    const selftest = await report(result.stdout);
    const unsound = selftest.results.filter((r) => r.status !== 'sound').map((r) => `${r.attemptId}: ${r.status}: ${r.detail}`);
    expect(unsound).toEqual([]);
    expect(result.code).toBe(0);
    const shipped = (await readdir(join(projectRoot(), 'scenarios', 'linux'))).filter((f) => f.endsWith('.yaml')).length;
    expect(new Set(selftest.results.map((r) => r.scenarioId)).size).toBe(shipped);
    for (const r of selftest.results.filter((r) => r.snapshotBefore !== undefined)) expect(r.snapshotAfter).toBe(r.snapshotBefore);
    expect(selftest.healers.every((h) => h.paused && h.resumed)).toBe(true);
    for (const host of ['lin-web-1', 'lin-db-1', 'lin-app-1']) expect(await healerState(host)).not.toBe('T');
    expect(await pendingEntries()).toEqual([]);
    // the run folder holds the JSON and the commands as evidence
    const runDir = join(dir.path, 'reports', selftest.runId);
    expect(JSON.parse(await readFile(join(runDir, 'selftest.json'), 'utf8'))).toMatchObject({ counts: { sound: selftest.results.length } });
    const events = (await readFile(join(runDir, 'events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; step?: string });
    expect(events.filter((e) => e.type === 'command' && e.step === 'healer_control')).toHaveLength(6);
    process.stdout.write(`selftest of the Linux suite: ${selftest.results.length} faults in ${seconds.toFixed(1)}s wall (engine ${selftest.durationMs} ms)\n`);
  }, 900_000);

  it('reports a revert that does not restore as not_reverted and puts the file back from the snapshot; a no-op inject is not_applied', async () => {
    const before = await sh('lin-web-1', `stat -c '%a %u:%g' ${PROBE_FILE} && cat ${PROBE_FILE}`);
    const result = await lab.cli(['selftest', join(dir.path, 'scenarios'), '--lab', lab.file, '--out', join(dir.path, 'reports'), '--json']);
    const byId = Object.fromEntries((await report(result.stdout)).results.map((r) => [r.scenarioId, r]));
    expect(byId['st-broken-revert'], JSON.stringify(byId['st-broken-revert'])).toMatchObject({ status: 'not_reverted', driftCheck: 'drifted', baselineCheck: 'drifted', restoration: { by: 'snapshot', quarantined: false } });
    expect(byId['st-noop-inject']).toMatchObject({ status: 'not_applied', driftCheck: 'compliant' });
    expect(byId['st-healer-witness']?.status).toBe('sound');
    expect(result.code).toBe(1);
    expect((await sh('lin-web-1', `stat -c '%a %u:%g' ${PROBE_FILE} && cat ${PROBE_FILE}`)).stdout).toBe(before.stdout);
    expect((await sh('lin-app-1', 'cat /tmp/healer-state-during')).stdout.trim()).toBe('T');
    expect(await healerState('lin-app-1')).not.toBe('T');
    expect(await pendingEntries()).toEqual([]);
  }, 600_000);

  it('on Ctrl-C reverts the fault being injected, starts no other and resumes the healer (exit 130)', async () => {
    const cli = startCli(['selftest', join(dir.path, 'ctrl-c'), '--lab', lab.file, '--out', join(dir.path, 'reports'), '--json'], {
      cwd: projectRoot(),
      env: { CHAOSLAB_STATE_DIR: join(dir.path, 'state') },
    });
    const wait = { clock: systemClock, timeoutMs: 120_000, intervalMs: 200, description: 'the held inject to start' };
    await waitFor(async () => ((await sh('lin-app-1', 'test -e /tmp/st-injecting')).exitCode === 0 ? true : undefined), wait).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${cli.stdout()}\n${cli.stderr()}`);
    });
    expect(await healerState('lin-app-1')).toBe('T');
    cli.child.kill('SIGINT');
    await sh('lin-app-1', 'touch /tmp/st-go');
    const exited = await cli.exited;
    expect(exited.code).toBe(130);
    const byId = Object.fromEntries((await report(exited.stdout)).results.map((r) => [r.scenarioId, r]));
    expect(byId['st-after-ctrl-c']).toMatchObject({ status: 'inconclusive', detail: 'not started: interrupted' });
    expect((await sh('lin-app-1', 'test -e /tmp/st-held || test -e /tmp/st-never')).exitCode).not.toBe(0);
    expect(await healerState('lin-app-1')).not.toBe('T');
    expect(await pendingEntries()).toEqual([]);
  }, 600_000);

  it('quarantines the host and keeps the journal entry when nothing can put it back, and still resumes the healer', async () => {
    // the console table this time; the results file it names holds the same
    const result = await lab.cli(['selftest', join(dir.path, 'no-snapshot'), '--lab', lab.file, '--out', join(dir.path, 'reports')]);
    expect(result.stdout).toMatch(/^st-broken-no-snapshot\s+lin-db-1\s+NOT REVERTED\s+drifted\s+drifted\s+-\s/m);
    expect(result.stdout).toMatch(/^ {2}lin-db-1: healer_control of the container lab, paused$/m);
    const file = /^results: (.+)$/m.exec(result.stdout)![1]!;
    const selftest = await report(await readFile(join(projectRoot(), file), 'utf8'));
    expect(selftest.results[0], JSON.stringify(selftest.results[0])).toMatchObject({ status: 'not_reverted', restoration: { by: 'none', quarantined: true } });
    expect(result.code).toBe(1);
    expect(await healerState('lin-db-1')).not.toBe('T');
    const kept = await pendingEntries();
    expect(kept).toHaveLength(1);
    const events = (await readFile(join(dir.path, 'reports', selftest.runId, 'events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; host?: string });
    expect(events.filter((e) => e.type === 'host_quarantined').map((e) => e.host)).toEqual(['lin-db-1']);
  }, 600_000);
});

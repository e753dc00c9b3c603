import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { connectEngine, execInContainer, removeContainer } from '../../harness/transport/container-engine.js';
import { containerName } from '../../harness/lab/paths.js';
import { latestAttempts, startTestLab, type TestLab } from '../support/lab-cluster.js';
import { tempDir } from '../support/tmp.js';

/**
 * When the lab, not the healer, fails: a killed healer is a healer failure
 * (not_healed); sshd dying mid-attempt and a container removed mid-run are lab
 * failures (inconclusive, host quarantined) and the run still completes, with
 * the other hosts' attempts judged normally.
 */
let lab: TestLab;
let dir: Awaited<ReturnType<typeof tempDir>>;
const engine = connectEngine();

function scenario(id: string, target: string, fault: string, params: Record<string, string>, window: string): string {
  return [
    `id: ${id}`, `title: ${id}`, 'platform: linux', `target: ${target}`, 'check_type: lab_fault_probe',
    `sla: 10s`, `window: ${window}`, 'hold: 2s', 'expect: {outcome: heal}',
    `fault: {use: ${fault}, with: ${JSON.stringify(params)}}`, '',
  ].join('\n');
}

async function drifted(host: string): Promise<true | undefined> {
  const result = await execInContainer(engine, containerName(lab.config.name, host), ['grep', '-q', '^MaxAuthTries 10', '/etc/ssh/sshd_config']);
  return result.exitCode === 0 ? true : undefined;
}

beforeAll(async () => {
  dir = await tempDir('chaoslab-lab-faults-');
  lab = await startTestLab(`lab-faults-${process.pid}`, dir.path);
  const scenarios = join(dir.path, 'scenarios');
  await mkdir(scenarios);
  const maxTries = { option: 'MaxAuthTries', value: '10', compliant: '3' };
  await writeFile(join(scenarios, 'healer-killed.yaml'), scenario('lf-healer-killed', 'lin-web-1', 'linux.service_stopped', { service: 'rsyslog' }, '20s'));
  await writeFile(join(scenarios, 'sshd-killed.yaml'), scenario('lf-sshd-killed', 'lin-db-1', 'linux.sshd_option', maxTries, '60s'));
  await writeFile(join(scenarios, 'container-removed.yaml'), scenario('lf-container-removed', 'lin-app-1', 'linux.sshd_option', maxTries, '60s'));
  // The first test process on a fresh machine builds the lab image (debootstrap: minutes).
}, 900_000);

afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
  await dir?.[Symbol.asyncDispose]();
});

describe('lab failures during a run', () => {
  it('scores a killed healer as not_healed, and sshd loss or a removed container as inconclusive', async () => {
    const webHealer = await execInContainer(engine, containerName(lab.config.name, 'lin-web-1'), ['lab-service', 'stop', 'healer']);
    expect(webHealer.exitCode).toBe(0);
    const out = join(dir.path, 'reports');
    const running = lab.cli(['run', join(dir.path, 'scenarios'), '--lab', lab.file, '--out', out, '--reporter', 'console,json']);

    const wait = { clock: systemClock, timeoutMs: 120_000, intervalMs: 500, maxIntervalMs: 2000, factor: 1.5 };
    await waitFor(() => drifted('lin-db-1'), { ...wait, description: 'the drift on lin-db-1' });
    // Kill sshd on lin-db-1 (listener and sessions): chaoslab's SSH connection drops mid-attempt.
    await execInContainer(engine, containerName(lab.config.name, 'lin-db-1'), ['pkill', '-x', 'sshd']);
    await waitFor(() => drifted('lin-app-1'), { ...wait, description: 'the drift on lin-app-1' });
    await removeContainer(engine, containerName(lab.config.name, 'lin-app-1'));

    const result = await running;
    const attempts = await latestAttempts(out);
    const byId = Object.fromEntries(attempts.map((a) => [a.scenarioId, a]));
    expect(byId['lf-healer-killed']?.verdict.kind).toBe('not_healed');
    expect(byId['lf-sshd-killed']?.verdict.kind).toBe('inconclusive');
    expect(byId['lf-container-removed']?.verdict.kind).toBe('inconclusive');
    expect(result.code).not.toBe(0);

    const runJson = JSON.parse(await readFile(join(out, 'latest', 'run.json'), 'utf8')) as { status: string };
    expect(runJson.status).toBe('completed');
    const events = (await readFile(join(out, 'latest', 'events.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { type: string; host?: string });
    const quarantined = events.filter((e) => e.type === 'host_quarantined').map((e) => e.host);
    expect(quarantined).toContain('lin-db-1');
    expect(quarantined).not.toContain('lin-web-1');

    const status = await lab.cli(['lab', 'status', '--lab', lab.file, '--json']);
    expect(status.code).toBe(3);
    const states = Object.fromEntries((JSON.parse(status.stdout) as { name: string; state: string; detail?: string }[]).map((h) => [h.name, `${h.state}: ${h.detail ?? ''}`]));
    expect(states).toEqual({
      'lin-web-1': 'unhealthy: healer is not running',
      'lin-db-1': 'unhealthy: sshd is not running',
      'lin-app-1': `missing: no container ${containerName(lab.config.name, 'lin-app-1')}`,
    });
  }, 400_000);
});

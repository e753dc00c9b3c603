import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSelfTest } from '../../harness/cli/selftest-table.js';
import { formatIssue } from '../../harness/core/errors.js';
import { loadLabFile, loadProject } from '../../harness/config/load-project.js';
import '../../harness/faults/linux/index.js';
import '../../harness/faults/windows/index.js';
import { labSchema, type LabConfig } from '../../harness/config/lab-schema.js';
import { containerHealerControl, healerPauseOf, healerPauses } from '../../harness/engine/healer-control.js';
import type { PlannedAttempt } from '../../harness/engine/plan-types.js';
import type { SelfTestOutcome, SelfTestResult } from '../../harness/engine/self-test.js';
import { planSelfTest } from '../../harness/engine/self-test-plan.js';
import { restoreFromSnapshot } from '../../harness/engine/self-test-restore.js';
import { selfTestExitCode } from '../../harness/engine/self-test-session.js';
import { tempDir } from '../support/tmp.js';

const ssh = { kind: 'ssh', user: 'root', key: 'file:k', insecure_host_key: true };

function lab(extra: Record<string, unknown>, hosts: Record<string, unknown>[]): LabConfig {
  return labSchema.parse({ name: 'l', ...extra, hosts: hosts.map((h) => ({ platform: 'linux', address: '10.0.0.9', transport: ssh, ...h })) });
}

const control = { pause: 'pause-it', resume: 'resume-it' };

describe('how selftest pauses a host\'s healer', () => {
  it('takes the host\'s healer_control over the lab\'s, and nothing on a host that runs none', () => {
    const inventory = lab({ healer_control: control }, [{ name: 'a', healer_control: { pause: 'own', resume: 'own-resume' } }, { name: 'b' }, { name: 'c', healer: 'none' }]);
    const [a, b, c] = inventory.hosts;
    expect(healerPauseOf(inventory, a!)).toMatchObject({ kind: 'control', source: 'host', control: { pause: 'own', timeout: 30_000 } });
    expect(healerPauseOf(inventory, b!)).toMatchObject({ kind: 'control', source: 'lab', control: { pause: 'pause-it' } });
    expect(healerPauseOf(lab({}, [{ name: 'c', healer: 'none' }]), c!)).toMatchObject({ kind: 'absent' });
  });

  it('knows the container lab image\'s stacks, and nothing of a static host that declares none', () => {
    const container = labSchema.parse({ name: 'c', provider: 'container', hosts: [{ name: 'x', platform: 'linux', transport: ssh }, { name: 'y', platform: 'linux', transport: ssh, healer: 'puppet' }, { name: 'z', platform: 'linux', transport: ssh, container: { healer: false } }] });
    expect(healerPauseOf(container, container.hosts[0]!)).toEqual({ kind: 'control', source: 'container lab', control: containerHealerControl('reference') });
    expect(healerPauseOf(container, container.hosts[1]!)).toMatchObject({ kind: 'control', control: { pause: expect.stringContaining('/run/lab-converge-puppet.pid') } });
    expect(healerPauseOf(container, container.hosts[2]!)).toMatchObject({ kind: 'absent' });
    const bare = lab({}, [{ name: 'w' }]);
    expect(healerPauseOf(bare, bare.hosts[0]!)).toBeUndefined();
  });

  it('refuses (exit 2) to prove faults on a host nobody said how to pause, naming it, unless --no-pause', () => {
    const inventory = lab({}, [{ name: 'web-1' }, { name: 'db-1', healer_control: control }]);
    expect(() => healerPauses(inventory, new Set(['web-1', 'db-1']), true)).toThrow(expect.objectContaining({ code: 'CHAOSLAB_USAGE', message: expect.stringMatching(/^no way to pause the healer of web-1: /) }));
    expect([...healerPauses(inventory, new Set(['web-1', 'db-1']), false).values()]).toEqual([undefined, undefined]);
    expect(healerPauses(inventory, new Set(['db-1']), true).get('db-1')).toMatchObject({ kind: 'control' });
  });

  it('reports a malformed healer_control with file, line and field', async () => {
    await using dir = await tempDir('selftest-lab-');
    const file = join(dir.path, 'lab.yaml');
    await writeFile(file, ['kind: lab', 'name: l', 'healer_control:', '  pause: x', '  resum: y', 'hosts:', '  - {name: a, platform: linux, address: h, transport: {kind: ssh, user: r, key: "file:k", insecure_host_key: true}}', ''].join('\n'));
    const { issues } = await loadLabFile(file);
    expect(issues.map(formatIssue).join('\n')).toMatch(new RegExp(`${file}:[45]:\\d+ healer_control`));
  });
});

function attempt(resources: readonly string[], platform: 'linux' | 'windows' = 'linux'): PlannedAttempt {
  return { attemptId: 'a', resources, repeatIndex: 1, scenario: { config: { platform } } } as unknown as PlannedAttempt;
}

describe('putting a host back from the snapshot when a revert did not', () => {
  it('restores chaoslab\'s file form into the one file the scenario touches', () => {
    expect(restoreFromSnapshot(attempt(['file:/etc/x.conf']), 'present 640 0:0 YQo=')).toEqual({ what: '/etc/x.conf', command: "printf %s 'YQo=' | base64 -d > '/etc/x.conf' && chown '0:0' '/etc/x.conf' && chmod '640' '/etc/x.conf'" });
    expect(restoreFromSnapshot(attempt(['file:/etc/x.conf']), 'absent')?.command).toBe("rm -f '/etc/x.conf'");
  });

  it('does not guess: another snapshot form, several resources, no file or a Windows host is left to the journal', () => {
    expect(restoreFromSnapshot(attempt(['file:/etc/x.conf']), 'running')).toBeUndefined();
    expect(restoreFromSnapshot(attempt(['file:/etc/x.conf', 'file:/etc/y.conf']), 'absent')).toBeUndefined();
    expect(restoreFromSnapshot(attempt(['firewall']), 'absent')).toBeUndefined();
    expect(restoreFromSnapshot(attempt(['file:/etc/x.conf'], 'windows'), 'absent')).toBeUndefined();
  });
});

describe('the exit code of a self-test', () => {
  const result = (status: SelfTestResult['status']) => ({ status }) as SelfTestResult;
  const healer = (resumed: boolean) => ({ host: 'h', pause: 'p', paused: true, resumed });
  const outcome = (statuses: SelfTestResult['status'][], resumed = true): SelfTestOutcome => ({ results: statuses.map(result), healers: [healer(resumed)] });

  it.each([
    [['sound', 'sound'], true, false, 0],
    [['sound', 'not_applied'], true, false, 1],
    [['not_reverted'], true, false, 1],
    [['sound', 'inconclusive'], true, false, 3],
    [['not_applied', 'inconclusive'], true, false, 3],
    [['sound'], false, false, 3],
    [['sound', 'not_reverted'], true, true, 130],
  ] as const)('%j, healer resumed %s, interrupted %s → %i', (statuses, resumed, interrupted, code) => {
    expect(selfTestExitCode(outcome([...statuses], resumed), interrupted)).toBe(code);
  });
});

describe('the console table', () => {
  it('shows each scenario × host with its checks and snapshot hashes, why the unsound ones are so, and how each healer was held', () => {
    const hash = (c: string) => c.repeat(64);
    const results = [
      { attemptId: 'lin-firewall@web#1', scenarioId: 'lin-firewall', host: 'web', status: 'sound', detail: 'ok', steps: [], driftCheck: 'drifted', baselineCheck: 'compliant', snapshotBefore: hash('a'), snapshotAfter: hash('a'), durationMs: 2345 },
      { attemptId: 'st-broken@web#1', scenarioId: 'st-broken', host: 'web', status: 'not_reverted', detail: 'the check still reports drift (exit 1) after the revert; put back from the snapshot', steps: [], driftCheck: 'drifted', baselineCheck: 'drifted', snapshotBefore: hash('b'), snapshotAfter: hash('c'), durationMs: 1000 },
      { attemptId: 'st-noop@db#1', scenarioId: 'st-noop', host: 'db', status: 'not_applied', detail: 'the check still passes after the inject (inject exited 0)', steps: [], driftCheck: 'compliant', baselineCheck: 'compliant', durationMs: 500 },
    ] as SelfTestResult[];
    const report = {
      runId: 'r', lab: 'l', startedAt: '', durationMs: 12_300, interrupted: false, exitCode: 1 as const, results,
      counts: { sound: 1, not_applied: 1, not_reverted: 1, inconclusive: 0 },
      healers: [{ host: 'web', pause: 'healer_control of the container lab', paused: true, resumed: true }, { host: 'db', pause: 'healer_control of the lab', paused: true, resumed: false, detail: 'resume exited 1' }],
    };
    expect(renderSelfTest(report, 'reports/selftest/r/selftest.json')).toBe(
      [
        'scenario      host  result        after inject  after revert  snapshot                           time',
        'lin-firewall  web   sound         drifted       compliant     same aaaaaaaaaaaa                  2.3s',
        'st-broken     web   NOT REVERTED  drifted       drifted       DIFFERS bbbbbbbbbbbb→cccccccccccc  1.0s',
        'st-noop       db    NOT APPLIED   compliant     compliant     -                                  0.5s',
        '',
        'why:',
        '  st-broken@web#1: not_reverted: the check still reports drift (exit 1) after the revert; put back from the snapshot',
        '  st-noop@db#1: not_applied: the check still passes after the inject (inject exited 0)',
        '',
        'healers:',
        '  web: healer_control of the container lab, paused',
        '  db: healer_control of the lab, paused, NOT RESUMED (resume exited 1)',
        '',
        '1 sound, 1 not applied, 1 not reverted, 0 inconclusive in 12.3s',
        'results: reports/selftest/r/selftest.json',
      ].join('\n'),
    );
  });
});

describe('what selftest proves', () => {
  it('every Linux scenario of linux-full on the embedded lab, once per host it can land on, bundles as their members', async () => {
    const project = await loadProject({ labPath: 'lab/embedded.yaml' });
    const linux = project.catalogue.scenarios.filter((s) => s.config.platform === 'linux').map((s) => s.config.id).sort();
    const plan = planSelfTest(project.catalogue, project.lab!, { suite: 'linux-full' });
    expect([...new Set(plan.map((a) => a.scenario.config.id))].sort()).toEqual(linux);
    expect(new Set(plan.map((a) => a.attemptId)).size).toBe(plan.length);
    // the members of a bundle also where the bundle puts them (lin-suid targets web; bundle-insider-threat puts it on lin-db-1)
    expect(plan.filter((a) => a.scenario.config.id === 'lin-suid').map((a) => a.host!.name).sort()).toEqual(['lin-db-1', 'lin-web-1']);
    expect(plan.every((a) => a.attemptId === `${a.scenario.config.id}@${a.host!.name}#1` && a.bundleId === undefined)).toBe(true);
    // a bundle alone: its members, on the bundle's host (the members' own targets are not used)
    const insider = planSelfTest(project.catalogue, project.lab!, { select: ['bundle-insider-threat'] });
    expect(insider.map((a) => a.attemptId)).toEqual(['lin-persist-cron@lin-db-1#1', 'lin-persist-ssh-key@lin-db-1#1', 'lin-suid@lin-db-1#1', 'lin-audit@lin-db-1#1']);
  });
});

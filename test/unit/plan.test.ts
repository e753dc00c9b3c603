import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalogue } from '../../harness/config/catalogue.js';
import type { LabConfig } from '../../harness/config/lab-schema.js';
import { loadLabFile, loadProject } from '../../harness/config/load-project.js';
import { ChaoslabError } from '../../harness/core/errors.js';
import { faultCommands } from '../../harness/engine/commands.js';
import { parseShard, planRun, type PlannedAttempt } from '../../harness/engine/plan.js';
import { planResidueScan } from '../../harness/engine/residue-plan.js';
import { testFaultLookup } from '../fixtures/config/test-faults.js';

const FIXTURES = 'test/fixtures/config';
let catalogue: Catalogue;
let linuxLab: LabConfig;
let mixedLab: LabConfig;

async function lab(path: string): Promise<LabConfig> {
  const loaded = await loadLabFile(path);
  if (!loaded.lab) throw new Error(`fixture lab ${path} is invalid`);
  return loaded.lab.config;
}

beforeAll(async () => {
  catalogue = (await loadProject({ scenarioPaths: [`${FIXTURES}/catalogue`], faults: testFaultLookup })).catalogue;
  linuxLab = await lab(`${FIXTURES}/lab-linux.yaml`);
  mixedLab = await lab(`${FIXTURES}/lab-mixed.yaml`);
});

const ids = (attempts: readonly PlannedAttempt[]) => attempts.map((attempt) => attempt.attemptId);
const running = (attempts: readonly PlannedAttempt[]) => attempts.filter((attempt) => !attempt.skip);

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ChaoslabError && error.code === 'CHAOSLAB_USAGE') return error.message;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('selection', () => {
  it('a suite expands its include globs in order, by id and by catalogue path', () => {
    const plan = planRun(catalogue, linuxLab, { suite: 'smoke' });
    expect(ids(plan.attempts)).toEqual(['lin-ssh-root-login@web-1#1', 'lin-firewall@web-2#1']);
    expect(plan.suite?.config.id).toBe('smoke');
  });

  it('a suite applies exclude, repeat, concurrency and repeat spacing; repeats are the outer loop', () => {
    const plan = planRun(catalogue, linuxLab, { suite: 'full' });
    expect(plan.repeat).toBe(2);
    expect(plan.concurrency).toBe(4);
    expect(plan.repeatSpacingMs).toBe(30_000);
    expect(ids(plan.attempts)).toEqual([
      'lin-firewall@web-1#1',
      'lin-rsyslog@db-1#1',
      'lin-ssh-root-login@web-2#1',
      'win-dc-firewall@dc#1',
      'cascade/lin-firewall@web-1#1',
      'cascade/lin-rsyslog@web-1#1',
      'lin-firewall@web-2#2',
      'lin-rsyslog@db-1#2',
      'lin-ssh-root-login@web-1#2',
      'win-dc-firewall@dc#2',
      'cascade/lin-firewall@web-2#2',
      'cascade/lin-rsyslog@web-2#2',
    ]);
  });

  it('selectors given with a suite pick among its entries', () => {
    expect(ids(planRun(catalogue, linuxLab, { suite: 'full', select: ['cascade', 'lin-ssh-*'], repeat: 1 }).attempts)).toEqual([
      'lin-ssh-root-login@web-1#1',
      'cascade/lin-firewall@web-2#1',
      'cascade/lin-rsyslog@web-2#1',
    ]);
    expect(usageError(() => planRun(catalogue, linuxLab, { suite: 'full', select: ['lin-cron-perms'] }))).toBe('"lin-cron-perms" matches nothing in suite full');
  });

  it('path globs select a folder; without selectors everything runs', () => {
    expect(ids(planRun(catalogue, mixedLab, { select: ['windows/*'] }).attempts)).toEqual(['win-dc-firewall@dc-1#1']);
    expect(planRun(catalogue, mixedLab).attempts).toHaveLength(7);
  });

  it('--grep matches id, title or tags; the rest are listed once as filtered', () => {
    const plan = planRun(catalogue, mixedLab, { grep: 'firewall|^cron$', repeat: 2 });
    expect(ids(running(plan.attempts))).toEqual(['lin-cron-perms@db-1#1', 'lin-firewall@lin-1#1', 'win-dc-firewall@dc-1#1', 'lin-cron-perms@db-1#2', 'lin-firewall@lin-1#2', 'win-dc-firewall@dc-1#2']);
    const filtered = plan.attempts.filter((attempt) => attempt.skip?.reason === 'filtered');
    expect(ids(filtered)).toEqual(['lin-rsyslog@app#1', 'lin-ssh-root-login@web#1', 'cascade/lin-firewall@web#1', 'cascade/lin-rsyslog@web#1']);
    expect(filtered[0]!.skip?.detail).toBe('does not match --grep firewall|^cron$');
  });

  it('--repeat overrides the suite', () => {
    expect(ids(planRun(catalogue, linuxLab, { suite: 'smoke', repeat: 3 }).attempts).filter((id) => id.startsWith('lin-ssh'))).toEqual([
      'lin-ssh-root-login@web-1#1',
      'lin-ssh-root-login@web-1#2',
      'lin-ssh-root-login@web-1#3',
    ]);
  });

  it('usage errors: unknown suite, selector matching nothing, bad regex, bad repeat', () => {
    expect(usageError(() => planRun(catalogue, linuxLab, { suite: 'nope' }))).toBe('unknown suite "nope" (suites: full, smoke)');
    expect(usageError(() => planRun(catalogue, linuxLab, { select: ['lin-nothing-*'] }))).toBe('no scenario or bundle matches "lin-nothing-*"');
    expect(usageError(() => planRun(catalogue, linuxLab, { grep: '(' }))).toMatch(/^--grep is not a valid regular expression/);
    expect(usageError(() => planRun(catalogue, linuxLab, { repeat: 0 }))).toBe('--repeat must be a whole number ≥ 1 (got 0)');
  });
});

describe('targets and hosts', () => {
  it('a role runs on one host, spread by load and then inventory order; a host name pins it', () => {
    const plan = planRun(catalogue, linuxLab, { select: ['lin-*'] });
    const hostOf = (id: string) => plan.attempts.find((a) => a.scenario.config.id === id)?.host?.name;
    expect(hostOf('lin-cron-perms')).toBe('db-1');
    expect(hostOf('lin-firewall')).toBe('web-1');
    expect(hostOf('lin-rsyslog')).toBe('web-1'); // app: web-1 and db-1 both carry one attempt; inventory order decides
    expect(hostOf('lin-ssh-root-login')).toBe('web-2'); // web: web-1 already carries two
    expect(plan).toEqual(planRun(catalogue, linuxLab, { select: ['lin-*'] }));
  });

  it('--all-hosts runs a role-targeted scenario on every matching host', () => {
    expect(ids(planRun(catalogue, linuxLab, { select: ['lin-firewall', 'lin-rsyslog'], allHosts: true }).attempts)).toEqual([
      'lin-firewall@web-1#1',
      'lin-firewall@web-2#1',
      'lin-rsyslog@web-1#1',
      'lin-rsyslog@db-1#1',
    ]);
  });

  it('skips a platform the lab lacks, and a target no host matches, with reasons', async () => {
    const [win] = planRun(catalogue, linuxLab, { select: ['win-*'] }).attempts;
    expect(win!.skip).toEqual({ reason: 'platform_unavailable', detail: 'lab fixture-linux has no windows host' });
    expect(win!.host).toBeUndefined();

    const unvalidated = (await loadProject({ scenarioPaths: [`${FIXTURES}/bad/target-no-host.yaml`] })).catalogue;
    const [orphan] = planRun(unvalidated, linuxLab).attempts;
    expect(orphan!.attemptId).toBe('target-no-host@mail#1');
    expect(orphan!.skip?.reason).toBe('no_matching_host');
    expect(orphan!.skip?.detail).toBe('no linux host of lab fixture-linux is named or has the role "mail" (roles: app, db, web)');
  });

  it('resources: declared, else the fault\'s defaults, else the whole host', () => {
    const plan = planRun(catalogue, mixedLab);
    const resourcesOf = (id: string) => plan.attempts.find((a) => a.attemptId.startsWith(`${id}@`))?.resources;
    expect(resourcesOf('lin-firewall')).toEqual(['firewall']);
    expect(resourcesOf('lin-ssh-root-login')).toEqual(['sshd']);
    expect(resourcesOf('lin-rsyslog')).toEqual(['service:rsyslog']);
    expect(resourcesOf('win-dc-firewall')).toEqual(['*']);
  });
});

describe('bundles', () => {
  it('members land together on one host that fits the bundle target, grouped in a bundle run', () => {
    const plan = planRun(catalogue, linuxLab, { select: ['cascade'], repeat: 2 });
    expect(plan.bundleRuns.map((run) => [run.bundleRunId, run.host?.name, run.attemptIds])).toEqual([
      ['cascade@web-1#1', 'web-1', ['cascade/lin-firewall@web-1#1', 'cascade/lin-rsyslog@web-1#1']],
      ['cascade@web-2#2', 'web-2', ['cascade/lin-firewall@web-2#2', 'cascade/lin-rsyslog@web-2#2']],
    ]);
    for (const attempt of plan.attempts) {
      expect(attempt.bundleId).toBe('cascade');
      expect(attempt.bundleRunId).toBe(`cascade@${attempt.host?.name}#${attempt.repeatIndex}`);
    }
  });
});

describe('shards', () => {
  it('parses i/n and rejects anything else', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/4', '5/4', '2', 'a/b', '1/0', '-1/2', '1.5/3']) {
      expect(usageError(() => parseShard(bad))).toBe(`--shard must be i/n with 1 ≤ i ≤ n, like 2/4 (got ${JSON.stringify(bad)})`);
    }
  });

  it('are disjoint, complete, deterministic, balanced, and never split a bundle run', () => {
    const whole = planRun(catalogue, mixedLab, { repeat: 5, allHosts: true });
    expect(whole.attempts.length).toBeGreaterThan(30);
    for (const count of [1, 2, 3, 5, 8]) {
      const shards = Array.from({ length: count }, (_, i) => planRun(catalogue, mixedLab, { repeat: 5, allHosts: true, shard: { index: i + 1, count } }));
      const union = shards.flatMap((shard) => ids(shard.attempts));
      expect([...union].sort()).toEqual([...ids(whole.attempts)].sort());
      expect(new Set(union).size).toBe(union.length);
      shards.forEach((shard, i) => expect(shard).toEqual(planRun(catalogue, mixedLab, { repeat: 5, allHosts: true, shard: { index: i + 1, count } })));
      const units = shards.map((shard) => new Set(shard.attempts.map((a) => a.bundleRunId ?? a.attemptId)).size);
      expect(Math.max(...units) - Math.min(...units)).toBeLessThanOrEqual(1);
      for (const run of whole.bundleRuns) {
        const owners = shards.filter((shard) => run.attemptIds.some((id) => ids(shard.attempts).includes(id)));
        expect(owners).toHaveLength(1);
        expect(owners[0]!.bundleRuns.map((r) => r.bundleRunId)).toContain(run.bundleRunId);
      }
    }
  });

  it('keeps the plan order inside a shard', () => {
    const whole = ids(planRun(catalogue, linuxLab, { suite: 'full' }).attempts);
    const shard = ids(planRun(catalogue, linuxLab, { suite: 'full', shard: { index: 1, count: 2 } }).attempts);
    expect(shard).toEqual(whole.filter((id) => shard.includes(id)));
  });
});

const idsByHost = (plan: ReturnType<typeof planResidueScan>) => Object.fromEntries([...plan].map(([host, checks]) => [host, checks.map((c) => c.scenarioId)]));

describe('residue scan plan', () => {
  it('checks every catalogue scenario whose platform and target fit the host, by role or by name', () => {
    expect(idsByHost(planResidueScan(catalogue, mixedLab))).toEqual({
      'lin-1': ['lin-firewall', 'lin-rsyslog', 'lin-ssh-root-login'],
      'db-1': ['lin-cron-perms'],
      'dc-1': ['win-dc-firewall'],
    });
  });

  it('a bundle that overrides its members\' target makes them fit those hosts too (web-2 gets lin-rsyslog through the cascade bundle)', () => {
    expect(idsByHost(planResidueScan(catalogue, linuxLab))).toEqual({
      'web-1': ['lin-firewall', 'lin-rsyslog', 'lin-ssh-root-login'],
      'web-2': ['lin-firewall', 'lin-rsyslog', 'lin-ssh-root-login'],
      'db-1': ['lin-cron-perms', 'lin-rsyslog'],
    });
  });

  it('runs the scenario\'s own check for that host, with its step timeout', () => {
    const host = linuxLab.hosts.find((h) => h.name === 'db-1')!;
    const scenario = catalogue.scenarios.find((s) => s.config.id === 'lin-rsyslog')!;
    const check = planResidueScan(catalogue, linuxLab).get('db-1')!.find((c) => c.scenarioId === 'lin-rsyslog');
    expect(check).toEqual({ scenarioId: 'lin-rsyslog', checkType: 'logging', command: faultCommands(scenario, host).check, timeoutMs: scenario.config.timeout });
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabConfig } from '../../harness/config/lab-schema.js';
import { systemClock } from '../../harness/core/clock.js';
import { silentLogger } from '../../harness/core/logger.js';
import { waitFor } from '../../harness/core/wait.js';
import type { ResidueCheckSpec } from '../../harness/engine/residue-plan.js';
import { scanForResidue } from '../../harness/engine/residue-scan.js';
import { foldEvents } from '../../harness/events/fold.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import { LabHosts } from '../../harness/lab/lab-hosts.js';
import type { RunEventBody } from '../../harness/model/events.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { MemorySink } from '../support/engine-scripted.js';
import { sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';
import { tempDir } from '../support/tmp.js';
import { asEvents } from '../fixtures/runs/residue.js';

/** The residue scan's handling of hosts, on a real sshd: which hosts it scans, and what it does when one cannot be reached or drops. */
const LAB_FILE = '/labs/residue-test.yaml';

function check(scenarioId: string, command: string, timeoutMs = 10_000): ResidueCheckSpec {
  return { scenarioId, checkType: `type_${scenarioId}`, command, timeoutMs };
}

/** A run whose attempts touched `touched`; `quarantined` hosts lost their transport during it. */
function runOn(touched: readonly string[], quarantined: readonly string[] = []): RunModel {
  const bodies: RunEventBody[] = [
    { type: 'run_started', lab: 'lab', argv: ['run'], hosts: ['web1', 'web2'].map((name) => ({ name, platform: 'linux' as const, roles: [] })), chaoslabVersion: 'test' },
    ...touched.flatMap((host): RunEventBody[] => [
      { type: 'attempt_planned', attemptId: `s@${host}#1`, scenarioId: 's', title: 's', platform: 'linux', host, checkType: 'type_s', tags: [], repeatIndex: 1, slaMs: 1000, windowMs: 1000, holdMs: 0, resources: ['*'], expect: { outcome: 'heal' } },
      { type: 'phase', attemptId: `s@${host}#1`, phase: 'preflight', status: 'start' },
    ]),
    ...quarantined.map((host): RunEventBody => ({ type: 'host_quarantined', host, reason: 'transport_lost', detail: 'probe failed' })),
  ];
  return foldEvents(asEvents(bodies));
}

describe('residue scan against a real sshd', () => {
  let sshd: SshdFixture;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await tempDir('chaoslab-residue-');
  });

  afterAll(async () => {
    await sshd?.[Symbol.asyncDispose]();
    await dir?.[Symbol.asyncDispose]();
  });

  /** Scans with a fresh transport to the sshd for `web1` (and `web2`, same sshd), folding what it recorded. */
  async function scan(run: RunModel, checks: readonly ResidueCheckSpec[], options: { journal?: RevertJournal; concurrency?: number; whileRunning?: () => Promise<void> } = {}) {
    const sink = new MemorySink(systemClock);
    const lab: LabConfig = { name: 'residue-test', provider: 'static', clock_skew_tolerance: 2000, hosts: [sshdHostConfig(sshd, { name: 'web1' }), sshdHostConfig(sshd, { name: 'web2' })], observers: [], protect: { ports: [], services: [], accounts: [], paths: [] }, halt: [], hooks: {}, expectations: {} };
    // the hosts as `run` reaches them: one shared transport per host, all closed after the scan
    await using hosts = await LabHosts.open(lab, LAB_FILE, { clock: systemClock, logger: silentLogger });
    const scanning = scanForResidue({
      lab,
      plan: new Map([['web1', checks], ['web2', checks]]),
      run,
      labFile: LAB_FILE,
      concurrency: options.concurrency ?? 4,
      clock: systemClock,
      sink,
      elapsed: () => Math.round(systemClock.now()),
      journal: options.journal ?? new RevertJournal(join(dir.path, 'no-journal')),
      logger: silentLogger,
      transportFor: hosts.transportFor,
    });
    await options.whileRunning?.();
    await scanning;
    const scanned = foldEvents(sink.events).residueScan!;
    return { sink, scanned, statuses: Object.fromEntries(scanned.hosts.flatMap((h) => h.checks).map((c) => [`${c.scenarioId}@${c.host}`, c.status])) };
  }

  it('scans only the hosts the run touched, read-only; residue that matches a pending revert of a host of this inventory (by identity) says so', async () => {
    const journal = new RevertJournal(join(dir.path, 'journal'));
    // the check contract: exit 1 is drifted (2 and above would be a probe error, `unknown`)
    const drifted = 'echo "PermitRootLogin yes"; exit 1';
    const own = await journal.record({ runId: 'run-0', attemptId: 'own@web1#1', host: 'web1', labFile: LAB_FILE, hostIdentity: `web1 ssh 127.0.0.1:${sshd.port}`, shell: 'posix', revert: ['true'], check: drifted, timeoutMs: 1000 });
    await journal.record({ runId: 'run-0', attemptId: 'other-lab@web1#1', host: 'web1', labFile: '/labs/another.yaml', hostIdentity: 'web1 ssh 10.9.9.9:22', shell: 'posix', revert: ['true'], check: 'exit 1', timeoutMs: 1000 });
    const { sink, scanned, statuses } = await scan(runOn(['web1']), [check('ok', 'true'), check('own', drifted), check('foreign', 'exit 1')], { journal });
    expect(scanned.hosts.map((h) => h.host)).toEqual(['web1']);
    expect(statuses).toEqual({ 'ok@web1': 'clean', 'own@web1': 'residue', 'foreign@web1': 'residue' });
    const checks = Object.fromEntries(scanned.hosts[0]!.checks.map((c) => [c.scenarioId, c]));
    expect(checks.own).toMatchObject({ exitCode: 1, evidence: 'PermitRootLogin yes', pendingRevert: { entryId: own.id, runId: 'run-0', attemptId: 'own@web1#1' } });
    expect(checks.foreign).toMatchObject({ exitCode: 1, evidence: '' });
    expect(checks.foreign).not.toHaveProperty('pendingRevert');
    // every command it sent is one of the checks, recorded as evidence without an attempt
    const commands = sink.ofType('command');
    expect(commands.map((c) => c.command).sort()).toEqual(['exit 1', 'true', drifted].sort());
    expect(commands.every((c) => c.step === 'check' && c.attemptId === undefined && c.host === 'web1')).toBe(true);
    expect(scanned.complete).toBe(true);
  });

  it('a host the run quarantined is not scanned and is sent nothing', async () => {
    const { sink, scanned } = await scan(runOn(['web1', 'web2'], ['web2']), [check('ok', 'true')]);
    expect(scanned.hosts.find((h) => h.host === 'web2')).toEqual({ host: 'web2', plannedChecks: 1, skipped: { reason: 'quarantined', detail: 'the run quarantined it (transport_lost)' }, checks: [] });
    expect(sink.ofType('command').map((c) => c.host)).toEqual(['web1']);
  });

  it('a host that does not answer the probe before the scan is skipped as unreachable, none of its checks counted', async () => {
    await sshd.stop();
    try {
      const { scanned } = await scan(runOn(['web1']), [check('a', 'true'), check('b', 'true')]);
      expect(scanned.hosts).toEqual([{ host: 'web1', plannedChecks: 2, skipped: { reason: 'unreachable', detail: expect.stringContaining('the transport probe before the scan failed') }, checks: [] }]);
    } finally {
      await sshd.restart();
    }
  });

  it('a check whose host drops is unknown, and the host\'s remaining checks are unknown (host lost), not residue and not waited for', async () => {
    const marker = join(dir.path, 'check-started');
    try {
      const { statuses, scanned } = await scan(runOn(['web1']), [check('hangs', `touch ${marker}; sleep 30`, 20_000), check('after-1', 'true'), check('after-2', 'exit 1')], {
        concurrency: 1,
        whileRunning: async () => {
          await waitFor(async () => (existsSync(marker) ? true : undefined), { clock: systemClock, timeoutMs: 10_000, intervalMs: 20, description: 'the first check to start' });
          await sshd.kill();
        },
      });
      expect(statuses).toEqual({ 'hangs@web1': 'unknown', 'after-1@web1': 'unknown', 'after-2@web1': 'unknown' });
      const [first, ...rest] = scanned.hosts[0]!.checks;
      expect(first).toMatchObject({ reason: 'transport_error' });
      for (const notRun of rest) expect(notRun).toMatchObject({ reason: 'host_lost', detail: expect.stringContaining('stopped answering during the scan') });
    } finally {
      await sshd.restart();
    }
  });
});

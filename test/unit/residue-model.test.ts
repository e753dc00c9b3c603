import { describe, expect, it } from 'vitest';
import { foldEvents, mergeRunModels } from '../../harness/events/fold.js';
import type { RunEventBody } from '../../harness/model/events.js';
import { residueCounts, residueFindings, residueHeadline, residueUnknowns } from '../../harness/model/residue.js';
import { asEvents, RESIDUE_SCAN_EVENTS, residueScanFixture } from '../fixtures/runs/residue.js';

const started: RunEventBody = { type: 'run_started', lab: 'lab', argv: ['run'], hosts: [], chaoslabVersion: 'test' };
const ended: RunEventBody = { type: 'run_ended', status: 'completed', exitCode: 0 };

describe('residue scan in the run model', () => {
  it('folds the scan events into typed per-host checks, in inventory order, with their evidence', () => {
    const scan = residueScanFixture();
    expect(scan.complete).toBe(true);
    expect(scan.hosts.map((h) => [h.host, h.plannedChecks, h.checks.length])).toEqual([['lab-lin-1', 3, 3], ['lab-lin-2', 2, 2], ['lab-dc-1', 2, 2], ['lab-ws-1', 3, 0]]);
    expect(scan.hosts[3]!.skipped).toEqual({ reason: 'unreachable', detail: expect.stringContaining('WinRM operation timed out') });
    expect(residueFindings(scan)).toEqual([
      { host: 'lab-lin-1', scenarioId: 'lin-persist-cron', checkType: 'cron_persistence', durationMs: 37, status: 'residue', exitCode: 1, evidence: '/etc/cron.d/chaoslab-persist: * * * * * root /tmp/.update' },
      expect.objectContaining({ scenarioId: 'lin-ip-forward', pendingRevert: expect.objectContaining({ attemptId: 'lin-ip-forward@lab-lin-1#1' }) }),
    ]);
    expect(residueUnknowns(scan).map((c) => [c.scenarioId, c.reason])).toEqual([['win-dc-firewall', 'transport_error'], ['win-dc-dns', 'host_lost']]);
  });

  it('counts checks that could not run as unknown, apart from residue and clean', () => {
    const scan = residueScanFixture();
    expect(residueCounts(scan)).toEqual({ hostsScanned: 3, hostsSkipped: 1, checks: 7, clean: 3, residue: 2, unknown: 2 });
    expect(residueHeadline(scan)).toBe('3 hosts, 1 not scanned, 7 checks: 2 residue, 2 unknown, 3 clean');
  });

  it('a log cut short during the scan folds into an unfinished scan with what was found so far', () => {
    const bodies = [started, ...RESIDUE_SCAN_EVENTS.slice(0, 3)];
    const model = foldEvents(asEvents(bodies));
    expect(model.status).toBe('crashed');
    expect(model.residueScan!.complete).toBe(false);
    expect(residueFindings(model.residueScan!).map((r) => r.scenarioId)).toEqual(['lin-persist-cron']);
    expect(residueHeadline(model.residueScan!)).toMatch(/\(the scan did not finish\)$/);
  });

  it('a run without a scan (--no-residue-scan, or an older log) has no residueScan at all', () => {
    const model = foldEvents(asEvents([started, ended]));
    expect(model).not.toHaveProperty('residueScan');
  });

  it('merging shards keeps every host, and the latest scan of a host scanned twice', () => {
    const shard = (runId: string, startWall: number, host: string, status: 'clean' | 'residue') =>
      foldEvents(
        asEvents(
          [
            started,
            { type: 'residue_scan_started', hosts: [{ host, checks: 1 }] },
            status === 'clean'
              ? { type: 'residue_check', host, scenarioId: 'lin-suid', checkType: 'suid_binaries', durationMs: 5, status }
              : { type: 'residue_check', host, scenarioId: 'lin-suid', checkType: 'suid_binaries', durationMs: 5, status, exitCode: 1, evidence: '/tmp/.suid' },
            { type: 'residue_scan_ended' },
            ended,
          ],
          runId,
          startWall,
        ),
      );
    const merged = mergeRunModels([shard('b', 2000, 'lab-lin-1', 'clean'), shard('a', 1000, 'lab-lin-1', 'residue'), shard('c', 3000, 'lab-lin-2', 'residue')]);
    expect(merged.residueScan!.complete).toBe(true);
    expect(merged.residueScan!.hosts.map((h) => [h.host, h.checks[0]!.status])).toEqual([['lab-lin-1', 'clean'], ['lab-lin-2', 'residue']]);
    expect(mergeRunModels([foldEvents(asEvents([started, ended]))])).not.toHaveProperty('residueScan');
  });
});

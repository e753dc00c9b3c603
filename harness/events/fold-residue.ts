import type { RunEvent } from '../model/events.js';
import type { ResidueCheck, ResidueHostScan, ResidueScan } from '../model/residue.js';
import type { RunModel } from '../model/run-model.js';

type ResidueEvent = Extract<RunEvent, { type: 'residue_scan_started' | 'residue_host_skipped' | 'residue_check' | 'residue_scan_ended' }>;

interface HostState {
  plannedChecks: number;
  skipped?: ResidueHostScan['skipped'];
  checks: ResidueCheck[];
}

/** The residue-scan events of one log → the model's `residueScan` (part of RunFolder). */
export class ResidueFolder {
  private started = false;
  private complete = false;
  private readonly hosts = new Map<string, HostState>();

  apply(event: ResidueEvent): void {
    switch (event.type) {
      case 'residue_scan_started':
        this.started = true;
        for (const { host, checks } of event.hosts) this.hosts.set(host, { plannedChecks: checks, checks: [] });
        break;
      case 'residue_host_skipped':
        this.host(event.host).skipped = { reason: event.reason, detail: event.detail };
        break;
      case 'residue_check': {
        const { v, seq, ts, mono, runId, type, ...check } = event;
        this.host(event.host).checks.push(check);
        break;
      }
      case 'residue_scan_ended':
        this.complete = true;
        break;
    }
  }

  scan(): ResidueScan | undefined {
    if (!this.started) return undefined;
    const hosts = [...this.hosts].map(([host, state]) => ({ host, plannedChecks: state.plannedChecks, ...(state.skipped && { skipped: state.skipped }), checks: [...state.checks] }));
    return { complete: this.complete, hosts };
  }

  private host(name: string): HostState {
    let state = this.hosts.get(name);
    if (!state) {
      state = { plannedChecks: 0, checks: [] };
      this.hosts.set(name, state);
    }
    return state;
  }
}

/**
 * Shards (or machines) scan the hosts they touched. A host scanned by several
 * logs keeps the scan of the latest one: it saw the lab last. `models` are in
 * start order; a merge is complete only when every scan in it is.
 */
export function mergeResidueScans(models: readonly RunModel[]): ResidueScan | undefined {
  const scans = models.map((m) => m.residueScan).filter((s): s is ResidueScan => s !== undefined);
  if (!scans.length) return undefined;
  const hosts = new Map<string, ResidueHostScan>();
  for (const scan of scans) for (const host of scan.hosts) hosts.set(host.host, host);
  return { complete: scans.every((s) => s.complete), hosts: [...hosts.values()] };
}

/**
 * The residue scan (CATALOGUE item 9): once every attempt has ended, the
 * ground-truth check of every catalogue scenario that fits a host is run,
 * read-only, on each host the run touched. A failing check is drift left on the
 * lab: leftovers of earlier campaigns or other tools, drift that came back
 * after an attempt's verify, or faults that interacted. It is a lab-health
 * finding: it never changes a verdict or the score.
 */

/** A pending revert of chaoslab's own (the revert journal) whose check is the one that failed. */
export interface PendingRevertRef {
  readonly entryId: string;
  readonly runId: string;
  readonly attemptId: string;
}

interface ResidueCheckBase {
  readonly host: string;
  readonly scenarioId: string;
  readonly checkType: string;
  readonly durationMs: number;
}

/** One scenario's check on one host. `unknown` is a check that could not run: not residue, not clean. */
export type ResidueCheck =
  | (ResidueCheckBase & { readonly status: 'clean' })
  | (ResidueCheckBase & {
      readonly status: 'residue';
      readonly exitCode: number;
      /** The check's output, trimmed: why it says the host is drifted. */
      readonly evidence: string;
      readonly pendingRevert?: PendingRevertRef;
    })
  | (ResidueCheckBase & { readonly status: 'unknown'; readonly reason: 'transport_error' | 'host_lost' | 'probe_error'; readonly detail: string });

export type ResidueStatus = ResidueCheck['status'];

/** Why a touched host was not scanned: the run quarantined it, or it did not answer the probe before the scan. */
export type ResidueSkipReason = 'quarantined' | 'unreachable';

export interface ResidueHostScan {
  readonly host: string;
  /** Checks the scan meant to run here (fewer ran when it was cut short). */
  readonly plannedChecks: number;
  /** Set when the host was not scanned at all. */
  readonly skipped?: { readonly reason: ResidueSkipReason; readonly detail: string };
  readonly checks: readonly ResidueCheck[];
}

export interface ResidueScan {
  /** False when the log ends before the scan did (the run crashed or was killed during it). */
  readonly complete: boolean;
  readonly hosts: readonly ResidueHostScan[];
}

export interface ResidueCounts {
  readonly hostsScanned: number;
  readonly hostsSkipped: number;
  readonly checks: number;
  readonly clean: number;
  readonly residue: number;
  readonly unknown: number;
}

export function residueCounts(scan: ResidueScan): ResidueCounts {
  const checks = scan.hosts.flatMap((h) => h.checks);
  const count = (status: ResidueStatus) => checks.filter((c) => c.status === status).length;
  const skipped = scan.hosts.filter((h) => h.skipped).length;
  return { hostsScanned: scan.hosts.length - skipped, hostsSkipped: skipped, checks: checks.length, clean: count('clean'), residue: count('residue'), unknown: count('unknown') };
}

export type ResidueFinding = Extract<ResidueCheck, { status: 'residue' }>;
export type ResidueUnknown = Extract<ResidueCheck, { status: 'unknown' }>;

export function residueFindings(scan: ResidueScan): ResidueFinding[] {
  return scan.hosts.flatMap((h) => h.checks.filter((c): c is ResidueFinding => c.status === 'residue'));
}

export function residueUnknowns(scan: ResidueScan): ResidueUnknown[] {
  return scan.hosts.flatMap((h) => h.checks.filter((c): c is ResidueUnknown => c.status === 'unknown'));
}

/** `4 checks: 1 residue, 1 unknown, 2 clean` */
export function checkCountsText(checks: readonly ResidueCheck[]): string {
  const count = (status: ResidueStatus) => checks.filter((c) => c.status === status).length;
  return `${checks.length} check${checks.length === 1 ? '' : 's'}: ${count('residue')} residue, ${count('unknown')} unknown, ${count('clean')} clean`;
}

/** One line per scan: `2 hosts, 31 checks: 1 residue, 1 unknown, 29 clean` (plus skipped hosts and an unfinished scan). */
export function residueHeadline(scan: ResidueScan): string {
  const c = residueCounts(scan);
  const hosts = `${c.hostsScanned} host${c.hostsScanned === 1 ? '' : 's'}`;
  const skipped = c.hostsSkipped ? `, ${c.hostsSkipped} not scanned` : '';
  const unfinished = scan.complete ? '' : ' (the scan did not finish)';
  return `${hosts}${skipped}, ${checkCountsText(scan.hosts.flatMap((h) => h.checks))}${unfinished}`;
}

/** What a pending revert means for the reader: chaoslab's own fault, and how to undo it. */
export function pendingRevertText(ref: PendingRevertRef): string {
  return `chaoslab's own fault: pending revert of ${ref.attemptId} (run ${ref.runId}) in the journal; \`chaoslab revert --pending\` undoes it`;
}

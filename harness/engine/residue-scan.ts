import { errorMessage } from '../core/errors.js';
import { excerpt } from '../core/redact.js';
import { hostWithIdentity } from '../journal/identity.js';
import type { JournalEntry } from '../journal/journal.js';
import type { PendingRevertRef, ResidueCheck } from '../model/residue.js';
import type { RunModel } from '../model/run-model.js';
import type { ExecuteOptions } from './execute.js';
import { armCheck, readCheck } from '../transport/check-outcome.js';
import { execRecorded, transportLost } from './host-exec.js';
import type { ResidueCheckSpec, ResidueScanPlan } from './residue-plan.js';
import { runSchedule, type ScheduleUnit } from './scheduler.js';

export interface ResidueScanOptions extends Pick<ExecuteOptions, 'lab' | 'labFile' | 'concurrency' | 'clock' | 'sink' | 'elapsed' | 'journal' | 'logger' | 'transportFor'> {
  readonly plan: ResidueScanPlan;
  /** The run once its last attempt ended: which hosts it touched, which it quarantined. */
  readonly run: RunModel;
}

interface CheckUnit extends ScheduleUnit {
  readonly check: ResidueCheckSpec;
}

/** Evidence kept in the residue record; the full output is in the check's `command` event. */
const EVIDENCE_LIMIT = 500;

function evidenceOf(stdout: string, stderr: string): string {
  return excerpt([stdout.trim(), stderr.trim()].filter(Boolean).join('\n'), EVIDENCE_LIMIT, () => '…');
}

/**
 * The residue scan: after the last attempt (and after an interrupt's reverts),
 * every planned check runs once on each host the run touched, through the
 * scheduler like attempts do (global concurrency cap, a few channels per host).
 * It only reads: it never injects and never reverts. A host the run quarantined
 * is skipped; one that does not answer the probe is skipped as unreachable; a
 * check whose transport fails is `unknown`, and a host lost during the scan
 * makes its remaining checks `unknown` instead of waiting out every timeout.
 */
export async function scanForResidue(options: ResidueScanOptions): Promise<void> {
  const { sink, run } = options;
  const touched = new Set(run.attempts.filter((a) => a.phases.length > 0).map((a) => a.host));
  const hosts = [...options.plan].filter(([host]) => touched.has(host));
  sink.emit({ type: 'residue_scan_started', hosts: hosts.map(([host, checks]) => ({ host, checks: checks.length })) });
  const pending = await pendingEntries(options);
  const quarantined = new Map(run.hosts.filter((h) => h.quarantined).map((h) => [h.name, h.quarantined!.reason]));
  for (const [host, reason] of quarantined) {
    if (touched.has(host)) sink.emit({ type: 'residue_host_skipped', host, reason: 'quarantined', detail: `the run quarantined it (${reason})` });
  }
  const units: CheckUnit[] = hosts
    .filter(([host]) => !quarantined.has(host))
    .flatMap(([host, checks]) => checks.map((check) => ({ id: `${check.scenarioId}@${host}`, host, resources: [`check:${check.scenarioId}`], spacingKeys: [], check })));

  const reachability = new Reachability(options);
  const unknown = new Set<CheckUnit>();
  const lostDuringScan = new Map<string, string>();

  await runSchedule(units, {
    concurrency: options.concurrency,
    repeatSpacingMs: 0,
    clock: options.clock,
    // The first Ctrl-C stops injecting, not reading: the scan still runs after its reverts; a second Ctrl-C exits at once.
    signal: new AbortController().signal,
    execute: async (unit) => {
      if ((await reachability.lostBefore(unit.host)) !== undefined) return;
      const check = await runCheck(unit, options, pending);
      sink.emit({ type: 'residue_check', ...check });
      if (check.status === 'unknown') unknown.add(unit);
      else if (check.status === 'residue') options.logger.warn({ host: unit.host, scenarioId: check.scenarioId, exitCode: check.exitCode }, 'residue found after the run');
    },
    // A host that stops answering is dropped from the scan (the scheduler's quarantine), so its other checks do not each wait out a timeout.
    checkHost: async (unit) => (await reachability.lostBefore(unit.host)) ?? (unknown.has(unit) ? transportLost(options.transportFor(unit.host)) : undefined),
    onQuarantine: (host, detail) => {
      if (reachability.skipped(host)) return;
      lostDuringScan.set(host, detail);
      options.logger.warn({ host, detail }, 'host lost during the residue scan');
    },
    onNotRun: (unit) => {
      const lost = lostDuringScan.get(unit.host);
      if (lost === undefined) return;
      const { scenarioId, checkType } = unit.check;
      sink.emit({ type: 'residue_check', host: unit.host, scenarioId, checkType, durationMs: 0, status: 'unknown', reason: 'host_lost', detail: `not run: the host stopped answering during the scan: ${lost}` });
    },
  });
  sink.emit({ type: 'residue_scan_ended' });
}

/** Probes each host once, before its first check (so probes share the scan's concurrency cap); an unreachable host is skipped. */
class Reachability {
  private readonly probes = new Map<string, Promise<string | undefined>>();
  private readonly unreachable = new Set<string>();

  constructor(private readonly options: ResidueScanOptions) {}

  lostBefore(host: string): Promise<string | undefined> {
    let probe = this.probes.get(host);
    if (!probe) {
      probe = transportLost(this.options.transportFor(host)).then((lost) => {
        if (lost === undefined) return undefined;
        this.unreachable.add(host);
        this.options.sink.emit({ type: 'residue_host_skipped', host, reason: 'unreachable', detail: `the transport probe before the scan failed: ${lost}` });
        return lost;
      });
      this.probes.set(host, probe);
    }
    return probe;
  }

  skipped(host: string): boolean {
    return this.unreachable.has(host);
  }
}

async function runCheck(unit: CheckUnit, options: ResidueScanOptions, pending: readonly JournalEntry[]): Promise<ResidueCheck> {
  const { check, host } = unit;
  const base = { host, scenarioId: check.scenarioId, checkType: check.checkType };
  const startedAt = options.elapsed();
  try {
    const armed = armCheck(check.command);
    const result = await execRecorded(options.transportFor(host), options, 'check', armed.script, { timeoutMs: check.timeoutMs });
    const durationMs = Math.round(result.durationMs);
    if (result.exitCode === null) return { ...base, durationMs, status: 'unknown', reason: 'transport_error', detail: 'the check was killed before it exited (no exit code)' };
    // The check contract: only a drifted verdict is residue; anything else but compliant means the check could not tell.
    const outcome = readCheck(result, armed.nonce);
    if (outcome.kind === 'compliant') return { ...base, durationMs, status: 'clean' };
    if (outcome.kind === 'probe_error') return { ...base, durationMs, status: 'unknown', reason: 'probe_error', detail: outcome.detail };
    const entry = pending.find((e) => hostWithIdentity(options.lab.hosts, e.hostIdentity)?.name === host && e.check === check.command);
    const pendingRevert: PendingRevertRef | undefined = entry && { entryId: entry.id, runId: entry.runId, attemptId: entry.attemptId };
    return { ...base, durationMs, status: 'residue', exitCode: result.exitCode, evidence: evidenceOf(result.stdout, result.stderr), ...(pendingRevert && { pendingRevert }) };
  } catch (error) {
    return { ...base, durationMs: options.elapsed() - startedAt, status: 'unknown', reason: 'transport_error', detail: errorMessage(error) };
  }
}

/** Pending reverts of this inventory's hosts (by identity, whichever inventory file wrote them): the journal is authoritative for chaoslab's own faults. */
async function pendingEntries(options: ResidueScanOptions): Promise<JournalEntry[]> {
  try {
    const { entries } = await options.journal.pending();
    return entries.filter((e) => hostWithIdentity(options.lab.hosts, e.hostIdentity) !== undefined);
  } catch (error) {
    options.sink.emit({ type: 'note', level: 'warn', message: `residue scan: the revert journal could not be read, so residue is not matched with pending reverts: ${errorMessage(error)}` });
    return [];
  }
}

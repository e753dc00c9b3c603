import type { HostConfig } from '../config/lab-schema.js';
import type { RejectedSignalRecord, SignalRecord } from '../model/run-model.js';
import type { ObserverOutput } from './observer.js';

/**
 * Correlation shared by every observer: an event belongs to an attempt only if
 * it names the attempt's host (name, address or alias), its check type (or an
 * alias, or the host-wide check type), carries the run id when the stack
 * echoes one, and happened after the injection (skew-corrected). Everything
 * else is rejected with a reason, and the rejection is kept as evidence.
 */

/**
 * The check type of an event about the whole host rather than one drift (one
 * convergence run that fixed several, reported in one summary line): in a
 * record, or as the target of an observer's `check_type_aliases`.
 */
export const HOST_WIDE_CHECK_TYPE = '*';
export interface CorrelationTarget {
  readonly host: HostConfig;
  readonly checkType: string;
  /** Other names of the check type: the scenario's aliases and the observer's mapping. */
  readonly checkTypeAliases: readonly string[];
  readonly runId: string;
  /** Harness wall-clock epoch ms of the end of injection (t0). */
  readonly since: number;
  /** Stack clock − harness clock. */
  readonly skewMs: number;
  /** How far before t0 an event may still be accepted (skew measurement error). */
  readonly toleranceMs: number;
  /** Harness wall-clock epoch ms after which events are too late to count. */
  readonly until?: number;
  /** Harness wall clock, to stamp `receivedAt`. */
  readonly wallNow: () => number;
  /**
   * Each observer's `check_type_aliases` (stack name → scenario check type),
   * keyed by observer name (the event's `source`); see `observerCheckTypeAliases`.
   */
  readonly observerCheckTypeAliases?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export type CorrelationResult =
  | { readonly accepted: SignalRecord }
  | { readonly rejected: RejectedSignalRecord };

/** Case, surrounding space and an FQDN's trailing dot do not make a different name. */
export function normalizeName(value: string): string {
  return value.trim().toLowerCase().replace(/\.$/, '');
}

/** The per-observer alias maps of an inventory, in the shape CorrelationTarget wants. */
export function observerCheckTypeAliases(
  observers: readonly { readonly name: string; readonly check_type_aliases: Readonly<Record<string, string>> }[],
): Record<string, Readonly<Record<string, string>>> {
  return Object.fromEntries(observers.map((observer) => [observer.name, observer.check_type_aliases]));
}

export function hostNames(host: HostConfig): Set<string> {
  const names = [host.name, ...host.aliases];
  if (host.address && host.address !== '127.0.0.1' && host.address !== 'localhost') names.push(host.address);
  return new Set(names.map(normalizeName));
}

export class Correlator {
  private readonly hosts: Set<string>;
  private readonly checks: Set<string>;
  private readonly seen = new Set<string>();
  /** Per source: stack check-type names (normalised) that mean this attempt's check type. */
  private readonly sourceChecks = new Map<string, Set<string>>();
  /** Per source: stack check-type names (normalised) that mean the whole host. */
  private readonly sourceHostWide = new Map<string, Set<string>>();

  constructor(private readonly target: CorrelationTarget) {
    this.hosts = hostNames(target.host);
    this.checks = new Set([target.checkType, ...target.checkTypeAliases].map(normalizeName));
    for (const [source, aliases] of Object.entries(target.observerCheckTypeAliases ?? {})) {
      const stackNamesFor = (wanted: (scenarioName: string) => boolean) =>
        new Set(Object.entries(aliases).filter(([, scenarioName]) => wanted(normalizeName(scenarioName))).map(([stackName]) => normalizeName(stackName)));
      this.sourceChecks.set(source, stackNamesFor((name) => this.checks.has(name)));
      this.sourceHostWide.set(source, stackNamesFor((name) => name === HOST_WIDE_CHECK_TYPE));
    }
  }

  /** Whether the event is about this attempt's check by name, about the whole host, or about another check. */
  private checkScope(source: string, checkType: string): 'named' | 'host_wide' | undefined {
    const name = normalizeName(checkType);
    if (this.checks.has(name) || this.sourceChecks.get(source)?.has(name)) return 'named';
    if (name === HOST_WIDE_CHECK_TYPE || this.sourceHostWide.get(source)?.has(name)) return 'host_wide';
    return undefined;
  }

  offer(output: ObserverOutput): CorrelationResult {
    if ('malformed' in output) {
      return { rejected: { source: output.source, reason: 'malformed', detail: output.detail, raw: output.raw } };
    }
    const { target } = this;
    const reject = (reason: RejectedSignalRecord['reason'], detail: string): CorrelationResult => ({
      rejected: { source: output.source, reason, detail, raw: output.raw },
    });
    if (!this.hosts.has(normalizeName(output.host))) return reject('other_host', `event for host ${output.host}, attempt targets ${target.host.name}`);
    const scope = this.checkScope(output.source, output.checkType);
    if (!scope) return reject('other_check', `event for check ${output.checkType}, attempt checks ${target.checkType}`);
    if (output.runId !== undefined && output.runId !== target.runId) return reject('other_run', `event carries run id ${output.runId}, this run is ${target.runId}`);
    const corrected = output.at - target.skewMs;
    if (!Number.isFinite(corrected)) return reject('malformed', 'event has no usable timestamp');
    if (corrected < target.since - target.toleranceMs) {
      return reject('stale', `event at ${new Date(corrected).toISOString()} is ${target.since - corrected}ms before the injection ended`);
    }
    if (target.until !== undefined && corrected > target.until) return reject('after_window', `event ${corrected - target.until}ms after the window closed`);
    // the same record id, or the same report (kind, stack time, runbook, tier) written twice under new ids
    const content = `${output.source}|${output.kind}|${output.at}|${output.runbook ?? ''}|${output.tier ?? ''}`;
    const keys = output.id === undefined ? [content] : [`${output.source}#${output.id}`, content];
    const repeated = keys.find((key) => this.seen.has(key));
    if (repeated !== undefined) return reject('duplicate', `already counted ${repeated}`);
    for (const key of keys) this.seen.add(key);
    return {
      accepted: {
        source: output.source,
        kind: output.kind,
        at: corrected - target.since,
        host: output.host,
        checkType: output.checkType,
        ...(scope === 'host_wide' && { hostWide: true }),
        ...(output.runbook !== undefined && { runbook: output.runbook }),
        ...(output.tier !== undefined && { tier: output.tier }),
        ...(output.message !== undefined && { message: output.message }),
        receivedAt: target.wallNow() - target.since,
        raw: output.raw,
      },
    };
  }
}

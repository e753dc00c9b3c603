import type { EventLog } from './events.js';
import type { Rule, RuleSet } from './rules.js';
import { runShell, type ShellResult } from './shell.js';

/** Per-rule memory of the current incident, so each signal is sent once per incident. */
interface IncidentState {
  drifted: boolean;
  escalated: boolean;
  suppressed: boolean;
  detectedAt: number;
  lastAttemptAt: number;
}

export interface ScannerOptions {
  readonly intervalMs: number;
  /** After a scan that left drift behind, the next scan comes this soon. */
  readonly rescanAfterDriftMs: number;
  readonly now?: () => number;
}

export interface ScanSummary {
  readonly scans: number;
  readonly lastScanAt: number | undefined;
  readonly lastScanMs: number | undefined;
}

/**
 * The scan loop: every interval each rule's detect runs; drift raises `detected`,
 * then the rule escalates or remediates, and a heal is claimed only when detect
 * passes again afterwards. Cooldowns and flap suppression hold heals back and
 * say so with `suppressed`.
 */
export class Scanner {
  private readonly state = new Map<string, IncidentState>();
  private readonly healsByFlapKey = new Map<string, number[]>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private scans = 0;
  private lastScanAt: number | undefined;
  private lastScanMs: number | undefined;

  constructor(private readonly ruleSet: RuleSet, private readonly log: EventLog, private readonly options: ScannerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  summary(): ScanSummary {
    return { scans: this.scans, lastScanAt: this.lastScanAt, lastScanMs: this.lastScanMs };
  }

  /** One pass over every rule, in file order (as an agent's scan cycle does). Returns whether drift remains. */
  async scanOnce(): Promise<boolean> {
    const started = this.now();
    let driftRemains = false;
    for (const rule of this.ruleSet.rules) {
      if (this.stopped) break;
      const stillDrifted = await this.evaluate(rule);
      driftRemains ||= stillDrifted;
    }
    this.scans += 1;
    this.lastScanAt = started;
    this.lastScanMs = this.now() - started;
    return driftRemains;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.scanOnce()
        .then((driftRemains) => this.schedule(driftRemains ? this.options.rescanAfterDriftMs : this.options.intervalMs))
        .catch((error: unknown) => {
          process.stderr.write(`healer: scan failed: ${String(error)}\n`);
          this.schedule(this.options.intervalMs);
        });
    }, delayMs);
  }

  private incident(rule: Rule): IncidentState {
    let state = this.state.get(rule.id);
    if (!state) {
      state = { drifted: false, escalated: false, suppressed: false, detectedAt: 0, lastAttemptAt: Number.NEGATIVE_INFINITY };
      this.state.set(rule.id, state);
    }
    return state;
  }

  private emit(rule: Rule, kind: Parameters<EventLog['emit']>[0]['kind'], extra: { detail?: string; duration_ms?: number } = {}): void {
    this.log.emit({ kind, check_type: rule.checkType, rule_id: rule.id, runbook: rule.runbook, tier: rule.tier, ...extra });
  }

  private async evaluate(rule: Rule): Promise<boolean> {
    const state = this.incident(rule);
    const detection = await runShell(rule.detect, rule.timeoutMs);
    if (detection.exitCode === 0) {
      // Compliant again (fixed by someone else, or never drifted): the incident is over.
      Object.assign(state, { drifted: false, escalated: false, suppressed: false });
      return false;
    }
    if (!state.drifted) {
      state.drifted = true;
      state.detectedAt = this.now();
      this.emit(rule, 'detected', { detail: describe(detection) });
    }
    // Debounce: act only on drift that persists (the next, sooner scan sees it again).
    if (this.now() - state.detectedAt < this.ruleSet.confirmDriftMs) return true;
    if (rule.action === 'escalate') {
      if (!state.escalated) {
        state.escalated = true;
        this.emit(rule, 'escalated', { detail: `${rule.title}: needs a human (${rule.tier})` });
      }
      return true;
    }
    const holdBack = this.holdBackReason(rule, state);
    if (holdBack) {
      if (!state.suppressed) {
        state.suppressed = true;
        this.emit(rule, 'suppressed', { detail: holdBack });
      }
      return true;
    }
    return this.remediate(rule, state);
  }

  private holdBackReason(rule: Rule, state: IncidentState): string | undefined {
    const now = this.now();
    if (now - state.lastAttemptAt < rule.cooldownMs) return `cooldown: last attempt ${now - state.lastAttemptAt}ms ago (cooldown ${rule.cooldownMs}ms)`;
    const recent = (this.healsByFlapKey.get(rule.flapKey) ?? []).filter((at) => now - at < this.ruleSet.flapWindowMs);
    this.healsByFlapKey.set(rule.flapKey, recent);
    if (recent.length >= this.ruleSet.flapThreshold) {
      return `flapping: ${recent.length} heals of ${rule.flapKey} in ${this.ruleSet.flapWindowMs}ms`;
    }
    return undefined;
  }

  private async remediate(rule: Rule, state: IncidentState): Promise<boolean> {
    const started = this.now();
    state.lastAttemptAt = started;
    const remediation = await runShell(rule.remediate!, rule.timeoutMs);
    // Never claim on the remediation's word: the detect command must pass again.
    const verification = await runShell(rule.detect, rule.timeoutMs);
    if (verification.exitCode === 0) {
      this.healsByFlapKey.set(rule.flapKey, [...(this.healsByFlapKey.get(rule.flapKey) ?? []), this.now()]);
      this.emit(rule, 'healed', { duration_ms: this.now() - started, detail: `${rule.title} via ${rule.runbook}` });
      Object.assign(state, { drifted: false, escalated: false, suppressed: false });
      return false;
    }
    this.emit(rule, 'heal_failed', {
      duration_ms: this.now() - started,
      detail: `remediate exited ${remediation.exitCode}; detect still fails: ${describe(verification)}`,
    });
    return true;
  }
}

function describe(result: ShellResult): string {
  const reason = result.timedOut ? 'timed out' : `exit ${result.exitCode}`;
  return result.output ? `${reason}: ${result.output}` : reason;
}

import type { Platform } from '../core/platform.js';
import type { ExpectSpec } from '../config/scenario-schema.js';
import type { CommandRecord, Phase, ProbeRecord, RejectedSignalRecord, SignalRecord, Timings, RunStatus } from './run-model.js';
import type { ResidueCheck, ResidueSkipReason } from './residue.js';
import type { Verdict } from './verdict.js';

/**
 * One line of reports/<run-id>/events.jsonl. The log is the source of truth:
 * the run model is folded from it, and logs of several shards can be merged.
 * `mono` is ms since the run's start on the harness's monotonic clock; `ts`
 * is wall-clock epoch ms (for lining up with other machines and the stack).
 */
interface EventBase {
  readonly v: 1;
  readonly seq: number;
  readonly ts: number;
  readonly mono: number;
  readonly runId: string;
  /** SHA-256 (hex) of the previous line's bytes, or of the run header for the first event (harness/evidence/chain.ts); absent in logs written before the chain existed. */
  readonly prev?: string;
}

export type RunEventBody =
  | {
      readonly type: 'run_started';
      readonly lab: string;
      readonly argv: readonly string[];
      readonly suite?: string;
      readonly shard?: string;
      readonly hosts: readonly { name: string; platform: Platform; roles: readonly string[] }[];
      readonly chaoslabVersion: string;
      /** Webhook observers that accepted unsigned events (insecure_unsigned: true): their claims are not authenticated. */
      readonly unsignedWebhooks?: readonly string[];
    }
  | {
      readonly type: 'attempt_planned';
      readonly attemptId: string;
      readonly scenarioId: string;
      readonly title: string;
      readonly platform: Platform;
      readonly host: string;
      readonly checkType: string;
      readonly tags: readonly string[];
      readonly category?: string;
      readonly bundleId?: string;
      readonly repeatIndex: number;
      readonly slaMs: number;
      readonly windowMs: number;
      readonly holdMs: number;
      readonly resources: readonly string[];
      readonly expect: ExpectSpec;
    }
  | { readonly type: 'phase'; readonly attemptId: string; readonly phase: Phase; readonly status: 'start' | 'end'; readonly ok?: boolean; readonly detail?: string }
  | { readonly type: 'attempt_t0'; readonly attemptId: string; readonly t0Wall: number; readonly skewMs: number }
  | ({ readonly type: 'command'; readonly attemptId?: string } & CommandRecord)
  | ({ readonly type: 'probe'; readonly attemptId: string } & ProbeRecord)
  | ({ readonly type: 'signal'; readonly attemptId: string } & SignalRecord)
  | ({ readonly type: 'signal_rejected'; readonly attemptId: string } & RejectedSignalRecord)
  | { readonly type: 'observer_error'; readonly attemptId?: string; readonly observer: string; readonly message: string }
  | {
      readonly type: 'attempt_ended';
      readonly attemptId: string;
      readonly verdict: Verdict;
      readonly passed: boolean;
      readonly timings: Timings;
      readonly observedTier?: string;
      readonly observedRunbook?: string;
    }
  | { readonly type: 'host_quarantined'; readonly host: string; readonly reason: string; readonly detail: string }
  | { readonly type: 'residue_scan_started'; readonly hosts: readonly { readonly host: string; readonly checks: number }[] }
  | { readonly type: 'residue_host_skipped'; readonly host: string; readonly reason: ResidueSkipReason; readonly detail: string }
  | ({ readonly type: 'residue_check' } & ResidueCheck)
  | { readonly type: 'residue_scan_ended' }
  | { readonly type: 'note'; readonly level: 'info' | 'warn' | 'error'; readonly message: string }
  | { readonly type: 'run_halted'; readonly condition: string; readonly kind: string; readonly detail: string; readonly evidence?: unknown }
  | { readonly type: 'run_ended'; readonly status: Exclude<RunStatus, 'running'>; readonly exitCode: number };

export type RunEvent = EventBase & RunEventBody;
export type RunEventType = RunEvent['type'];

import { formatDuration } from '../harness/core/duration.js';
import type { AttemptResult } from '../harness/model/run-model.js';

/**
 * The ground truth at the end of an attempt's window: the last check chaoslab
 * ran before it reverted the fault (later checks see the host after chaoslab's
 * own revert, not the healer's work). Shown beside the claim, it answers
 * "claimed healed — and was it?" without reading the timeline.
 */
export interface WindowCheck {
  /** When the check ran, ms after the injection (t0); undefined when the attempt has no inject phase. */
  readonly afterInjectionMs?: number;
  /** Exit 0: at its baseline; another exit code: drifted; no exit code (the transport failed): unknown. */
  readonly result: 'compliant' | 'drifted' | 'unknown';
  readonly exitCode: number | null;
  /** What the check printed (stdout, else stderr, else the transport's error), trimmed. */
  readonly output: string;
}

export function windowCheck(a: Pick<AttemptResult, 'phases' | 'commands'>): WindowCheck | undefined {
  const revertStart = a.phases.find((p) => p.phase === 'revert')?.start ?? Number.POSITIVE_INFINITY;
  const check = [...a.commands].reverse().find((c) => c.step === 'check' && c.at <= revertStart);
  if (!check) return undefined;
  const t0 = a.phases.find((p) => p.phase === 'inject')?.end;
  return {
    ...(t0 !== undefined && check.at >= t0 ? { afterInjectionMs: check.at - t0 } : {}),
    result: check.exitCode === 0 ? 'compliant' : check.exitCode === null ? 'unknown' : 'drifted',
    exitCode: check.exitCode,
    output: (check.stdout || check.stderr || check.error || '').trim(),
  };
}

/** One line: `last check before revert at 9m after injection: drifted (exit 1)`. */
export function windowCheckText(check: WindowCheck | undefined): string {
  if (!check) return 'no ground-truth check ran before the revert';
  const at = check.afterInjectionMs === undefined ? '' : ` at ${formatDuration(check.afterInjectionMs)} after injection`;
  return `last check before revert${at}: ${check.result} (exit ${check.exitCode ?? 'without a code'})`;
}

/** Short, for a table cell: `drifted at 9m (exit 1)`, or `none` when no check ran before the revert. */
export function windowCheckCell(check: WindowCheck | undefined): string {
  if (!check) return 'none';
  const at = check.afterInjectionMs === undefined ? '' : ` at ${formatDuration(check.afterInjectionMs)}`;
  return `${check.result}${at} (exit ${check.exitCode ?? 'none'})`;
}

import type { ExpectSpec } from '../config/scenario-schema.js';
import type { Verdict } from './verdict.js';

/**
 * Whether an attempt passed: its final verdict (a lab failure included) is what
 * its scenario expected. `heal` → healed; `escalate` → escalated; `ignore`
 * (negative control) → the stack did nothing and the drift stayed. An
 * inconclusive or skipped attempt never passes; it is kept out of the score
 * instead (isExcludedFromScore).
 */
export function meetsExpectation(expect: ExpectSpec, verdict: Verdict): boolean {
  switch (expect.outcome) {
    case 'heal':
      return verdict.kind === 'healed';
    case 'escalate':
      return verdict.kind === 'escalated';
    case 'ignore':
      return verdict.kind === 'not_healed';
  }
}

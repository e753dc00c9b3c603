import { formatDuration } from '../harness/core/duration.js';
import { pendingRevertText, residueFindings, residueUnknowns, type ResidueFinding, type ResidueScan } from '../harness/model/residue.js';
import type { AttemptResult } from '../harness/model/run-model.js';
import type { RunOutcome } from '../harness/model/outcome.js';
import type { Verdict } from '../harness/model/verdict.js';

/** Small text helpers shared by the text reporters (console, markdown, junit). */
export function describeVerdict(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'healed':
    case 'healed_late':
      return `${verdict.kind} (restored ${formatDuration(verdict.restoreAt)}, claimed ${formatDuration(verdict.claimAt)})`;
    case 'flapped':
      return `flapped (restored ${formatDuration(verdict.restoreAt)}, drifted again ${formatDuration(verdict.redriftAt)})`;
    case 'false_heal':
      return `false_heal (claimed ${formatDuration(verdict.claimAt)}, host still drifted)`;
    case 'silent_heal':
      return `silent_heal (restored ${formatDuration(verdict.restoreAt)}, never reported)`;
    case 'escalated':
      return `escalated${verdict.tier ? ` to ${verdict.tier}` : ''} (${formatDuration(verdict.escalatedAt)})`;
    case 'not_healed':
      return 'not_healed';
    case 'inconclusive':
    case 'skipped':
      return `${verdict.kind}: ${verdict.reason} — ${verdict.detail}`;
  }
}

export function expectationText(attempt: AttemptResult): string {
  const { outcome, tier, runbook } = attempt.expect;
  return [outcome, tier, runbook].filter(Boolean).join(' ');
}

export function mismatchText(attempt: AttemptResult): string | undefined {
  const parts: string[] = [];
  if (attempt.tierMismatch) parts.push(`tier ${attempt.observedTier ?? 'none'} ≠ expected ${attempt.expect.tier}`);
  if (attempt.runbookMismatch) parts.push(`runbook ${attempt.observedRunbook ?? 'none'} ≠ expected ${attempt.expect.runbook}`);
  return parts.length ? parts.join('; ') : undefined;
}

/** What a residue check showed: its output, and whose fault it is when the journal knows. */
export function residueEvidence(finding: ResidueFinding): string {
  return [finding.evidence, finding.pendingRevert && pendingRevertText(finding.pendingRevert)].filter(Boolean).join(' — ');
}

/** `check exited 1: <evidence>` */
export function describeResidue(finding: ResidueFinding): string {
  const evidence = residueEvidence(finding);
  return `check exited ${finding.exitCode}${evidence ? `: ${evidence}` : ''}`;
}

/** The scan's lines for text reports: residue first, then checks that could not run, then hosts not scanned. */
export function residueLines(scan: ResidueScan): string[] {
  return [
    ...residueFindings(scan).map((r) => `residue: ${r.scenarioId} (${r.checkType}) @ ${r.host}: ${describeResidue(r)}`),
    ...residueUnknowns(scan).map((u) => `unknown: ${u.scenarioId} (${u.checkType}) @ ${u.host}: ${u.detail}`),
    ...scan.hosts.filter((h) => h.skipped).map((h) => `not scanned: ${h.host} (${h.skipped!.reason}): ${h.skipped!.detail}`),
  ];
}

/**
 * "FAILED · exit 1 (an expectation or a gate failed) · 4 expectations not met", or, when
 * known gaps are among them, "PASSED · exit 0 (…) · 0 new failures · 4 known gaps".
 */
export function outcomeText(outcome: RunOutcome): string {
  const s = (n: number) => (n === 1 ? '' : 's');
  const expectations = outcome.knownGaps || outcome.fixedGaps
    ? [
        `${outcome.newFailures} new failure${s(outcome.newFailures)}`,
        ...(outcome.knownGaps ? [`${outcome.knownGaps} known gap${s(outcome.knownGaps)}`] : []),
        ...(outcome.fixedGaps ? [`${outcome.fixedGaps} known gap${s(outcome.fixedGaps)} now pass${outcome.fixedGaps === 1 ? 'es' : ''} (fixed? remove the known-gap tag)`] : []),
      ]
    : outcome.failedExpectations
      ? [`${outcome.failedExpectations} expectation${s(outcome.failedExpectations)} not met`]
      : [];
  const parts = [outcome.words, ...(outcome.exitCode !== undefined ? [`exit ${outcome.exitCode} (${outcome.exitMeaning})`] : []), ...expectations];
  return parts.join(' · ');
}

/** "gate min_heal_rate: heal rate 71% (10/14) is below 90%" */
export function gateLines(outcome: RunOutcome): string[] {
  return outcome.failedGates.map((g) => `gate ${g.gate}: ${g.message}`);
}

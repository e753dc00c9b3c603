import { formatDuration } from '../core/duration.js';
import type { AttemptResult, SignalRecord } from './run-model.js';

/**
 * One line that says why an attempt got its verdict ("heal_failed ×2 (6.8s, 38s)",
 * "claimed at 2.1s, host still drifted at 45s"). It is computed once, when the run
 * model is folded, so the HTML, Markdown, JUnit, console and GitHub reporters all
 * say the same thing. Times are since the end of injection, as in the verdict.
 */
type CauseInput = Pick<AttemptResult, 'verdict' | 'passed' | 'expect' | 'signals' | 'probes' | 'phases' | 'windowMs' | 'slaMs' | 'observedTier' | 'observedRunbook' | 'tierMismatch' | 'runbookMismatch'>;

const at = (ms: number) => formatDuration(ms);

/** How long the stack was watched: the observe phase when it ran, else the scenario's window. */
function watchedMs(a: CauseInput): number {
  const inject = a.phases.find((p) => p.phase === 'inject');
  const observe = a.phases.find((p) => p.phase === 'observe');
  if (inject?.end !== undefined && observe?.end !== undefined && observe.end > inject.end) return observe.end - inject.end;
  return a.windowMs;
}

function timesOf(a: CauseInput, kind: 'heal_failed' | 'detected'): number[] {
  return a.signals.filter((s) => s.kind === kind).map((s) => s.at);
}

/** For a false heal: the first ground-truth check at or after the claim that still saw drift, else the end of watching. */
function stillDriftedAt(a: CauseInput, claimAt: number): number {
  const drifted = a.probes.find((p) => p.at >= claimAt && !p.compliant);
  return drifted ? drifted.at : Math.max(claimAt, watchedMs(a));
}

function nothingHappened(a: CauseInput): string {
  const failed = timesOf(a, 'heal_failed');
  if (failed.length) return `heal_failed ×${failed.length} (${failed.map(at).join(', ')})`;
  const detected = timesOf(a, 'detected');
  if (detected.length) return `detected at ${at(detected[0]!)}, no claim in ${at(watchedMs(a))}`;
  return `no healer event in ${at(watchedMs(a))}`;
}

function core(a: CauseInput): string {
  const v = a.verdict;
  switch (v.kind) {
    case 'healed':
      return `claimed at ${at(v.claimAt)}, restored at ${at(v.restoreAt)}`;
    case 'healed_late':
      return `restored at ${at(v.restoreAt)}, after the ${at(a.slaMs)} SLA`;
    case 'flapped':
      return `restored at ${at(v.restoreAt)}, drifted again at ${at(v.redriftAt)}`;
    case 'false_heal':
      return `claimed at ${at(v.claimAt)}, host still drifted at ${at(stillDriftedAt(a, v.claimAt))}`;
    case 'silent_heal':
      return `restored at ${at(v.restoreAt)}, never claimed`;
    case 'escalated': {
      const tier = v.tier ?? a.observedTier;
      return `escalated${tier ? ` ${tier}` : ''} at ${at(v.escalatedAt)}`;
    }
    case 'not_healed':
      return nothingHappened(a);
    case 'inconclusive':
    case 'skipped':
      return `${v.reason}: ${v.detail}`;
  }
}

/** What the scenario wanted, said only where the verdict alone does not make it plain. */
function expectation(a: CauseInput): string | undefined {
  const { outcome, tier, runbook } = a.expect;
  const kind = a.verdict.kind;
  if (kind === 'inconclusive' || kind === 'skipped') return undefined;
  if (a.passed) return undefined;
  if (outcome === 'escalate' && kind === 'escalated') return tier && a.tierMismatch ? `expected ${tier}` : undefined;
  if (outcome === 'heal' && kind !== 'escalated') return undefined;
  return `expected ${[outcome, tier, outcome === 'heal' ? runbook : undefined].filter(Boolean).join(' ')}`;
}

function mismatches(a: CauseInput): string[] {
  const parts: string[] = [];
  // An escalation already names its tier and the expected one above.
  if (a.tierMismatch && a.verdict.kind !== 'escalated') parts.push(`tier ${a.observedTier ?? 'none'}, expected ${a.expect.tier}`);
  if (a.runbookMismatch) parts.push(`runbook ${a.observedRunbook ?? 'none'}, expected ${a.expect.runbook}`);
  return parts;
}

/** The signal whose words explain the verdict: the claim a false heal rests on, the escalation, or the last failed heal. */
function tellingSignal(a: CauseInput): SignalRecord | undefined {
  const last = (kind: SignalRecord['kind']) => a.signals.filter((s) => s.kind === kind && s.message).at(-1);
  switch (a.verdict.kind) {
    case 'false_heal':
      return last('claimed_healed');
    case 'escalated':
      return last('escalated');
    case 'not_healed':
    case 'flapped':
    case 'healed_late':
      return last('heal_failed');
    default:
      return undefined;
  }
}

/** The healer's own words, where they explain the verdict: `healer: "remediate exited 0; detect still fails: exit 1"`. */
export function healerWords(a: CauseInput): string | undefined {
  const message = tellingSignal(a)?.message;
  return message ? `healer: "${message}"` : undefined;
}

export function describeCause(a: CauseInput): string {
  const expected = expectation(a);
  const extra = mismatches(a);
  const words = healerWords(a);
  return [[core(a), expected].filter(Boolean).join(', '), ...extra, ...(words ? [words] : [])].join('; ');
}

/** The folded cause, or (for models from older run.json files) the same line computed now. */
export function causeOf(a: CauseInput & { readonly cause?: string }): string {
  return a.cause ?? describeCause(a);
}

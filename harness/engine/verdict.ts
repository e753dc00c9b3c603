import type { ExpectSpec } from '../config/scenario-schema.js';
import type { SignalKind, Timings } from '../model/run-model.js';
import type { Verdict } from '../model/verdict.js';

/**
 * The verdict is a pure function of what was observed after injection: the
 * ground-truth samples, the stack's accepted signals and whether every
 * observer could be read. The attempt runner calls it after every sample and
 * signal, and stops observing as soon as `settled` says nothing later can
 * change the answer. All times are ms since t0 (end of injection).
 */
export interface ProbeSample {
  /** When the check command was sent. */
  readonly startedAt: number;
  /** When its answer came back (the latest the observed state can date from). */
  readonly at: number;
  readonly compliant: boolean;
}

export interface JudgedSignal {
  readonly kind: SignalKind;
  readonly at: number;
  /** When chaoslab received it (ms since t0); a claim is only fact-checked by a check started after both. */
  readonly receivedAt?: number;
  readonly tier?: string;
  readonly runbook?: string;
}

export interface Observation {
  readonly expect: ExpectSpec;
  readonly slaMs: number;
  readonly windowMs: number;
  readonly holdMs: number;
  /** The ground truth is only sampled this often: a restore seen by the first probe after the SLA may have happened inside it. */
  readonly probeIntervalMs: number;
  readonly signals: readonly JudgedSignal[];
  readonly probes: readonly ProbeSample[];
  /** Observers that could not be read during the attempt. */
  readonly unavailableObservers: readonly string[];
  /** How many observers watched the attempt; when every one is unavailable the stack's side is unknown. */
  readonly observerCount: number;
  /** The timeline is complete up to this time. */
  readonly now: number;
}

export interface FunnelFlags {
  readonly detected: boolean;
  readonly claimed: boolean;
  readonly restored: boolean;
  readonly stayedRestored: boolean;
}

export interface Judgement {
  readonly verdict: Verdict;
  readonly passed: boolean;
  /** True when no later sample or signal can change the verdict. */
  readonly settled: boolean;
  /** Past this time the verdict is settled whatever happens (window end, or end of hold after a restore). */
  readonly observeUntil: number;
  readonly timings: Timings;
  readonly funnel: FunnelFlags;
  readonly observedTier?: string;
  readonly observedRunbook?: string;
  readonly tierMismatch: boolean;
  readonly runbookMismatch: boolean;
}

/** `heal` → healed; `escalate` → escalated; `ignore` (negative control) → the stack did nothing and the drift stayed. */
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

/**
 * A tier or runbook mismatch is only meaningful when the stack acted (claimed or
 * escalated) and the scenario expects a value: then a missing value is a mismatch too.
 */
export function expectationMismatch(expected: string | undefined, observed: string | undefined, stackActed: boolean): boolean {
  return expected !== undefined && stackActed && observed !== expected;
}

interface Timeline {
  readonly restore?: ProbeSample;
  readonly redrift?: ProbeSample;
  readonly claims: readonly JudgedSignal[];
  readonly escalation?: JudgedSignal;
  readonly detectAt?: number;
  /** First sample whose check started strictly after the first claim: the claim's fact check. */
  readonly claimCheck?: ProbeSample;
}

function timeline(obs: Observation): Timeline {
  const probes = [...obs.probes].sort((a, b) => a.at - b.at);
  const signals = [...obs.signals].sort((a, b) => a.at - b.at);
  const restore = probes.find((p) => p.compliant);
  const redrift = restore && probes.find((p) => p.at > restore.at && !p.compliant);
  // Claims after the window do not count as heals (the correlator rejects most of them already).
  const claims = signals.filter((s) => s.kind === 'claimed_healed' && s.at <= obs.windowMs);
  const firstClaim = claims[0];
  return {
    ...(restore && { restore }),
    ...(redrift && { redrift }),
    claims,
    ...optional('escalation', signals.find((s) => s.kind === 'escalated')),
    ...optional('detectAt', signals[0]?.at),
    ...optional('claimCheck', firstClaim && probes.find((p) => p.startedAt > claimKnownAt(firstClaim))),
  };
}

/**
 * The moment a claim is certainly true on the stack's side: stacks stamp events
 * with e.g. the start of their scan, which can precede the fix itself, so a
 * check started between that stamp and the claim's arrival proves nothing.
 */
export function claimKnownAt(claim: JudgedSignal): number {
  return Math.max(claim.at, claim.receivedAt ?? claim.at);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function decide(obs: Observation, t: Timeline): { verdict: Verdict; settled: boolean; observeUntil: number } {
  const { restore, redrift, claims, escalation, claimCheck } = t;
  const firstClaim = claims[0];
  const windowEnd = obs.windowMs;
  const atWindowEnd = obs.now >= windowEnd;

  // A claim must be true when it is made: the first check after it still sees the drift.
  if (firstClaim && claimCheck && !claimCheck.compliant && (!restore || restore.at > claimCheck.at)) {
    return { verdict: { kind: 'false_heal', claimAt: firstClaim.at }, settled: true, observeUntil: obs.now };
  }

  if (restore) {
    const holdEnd = restore.at + obs.holdMs;
    const observeUntil = Math.max(windowEnd, holdEnd);
    const secondClaim = claims[1];
    if (redrift || secondClaim) {
      const redriftAt = redrift?.at ?? secondClaim!.at;
      return { verdict: { kind: 'flapped', restoreAt: restore.at, redriftAt, claims: claims.length }, settled: true, observeUntil: obs.now };
    }
    const stayed = obs.now >= holdEnd;
    if (firstClaim) {
      const inSla = firstClaim.at <= obs.slaMs && restore.at <= obs.slaMs + obs.probeIntervalMs;
      const kind = inSla ? 'healed' : 'healed_late';
      return { verdict: { kind, claimAt: firstClaim.at, restoreAt: restore.at }, settled: stayed, observeUntil: holdEnd };
    }
    const done = obs.now >= observeUntil;
    if (obs.unavailableObservers.length) {
      // Restored but the stack's side could not be read: a claim may exist that we never saw.
      const detail = `host restored at ${restore.at}ms but observer(s) ${obs.unavailableObservers.join(', ')} could not be read`;
      return { verdict: { kind: 'inconclusive', reason: 'observer_unavailable', detail }, settled: done, observeUntil };
    }
    return { verdict: { kind: 'silent_heal', restoreAt: restore.at }, settled: done, observeUntil };
  }

  if (obs.unavailableObservers.length && obs.unavailableObservers.length >= obs.observerCount) {
    // No observer could be read: a monitoring outage is a lab failure, never blamed on the healer (even if the drift stayed).
    const detail = `host never restored, and no observer of the healing stack could be read (${obs.unavailableObservers.join(', ')}): its side is unknown`;
    return { verdict: { kind: 'inconclusive', reason: 'observer_unavailable', detail }, settled: atWindowEnd, observeUntil: windowEnd };
  }
  if (obs.unavailableObservers.length && obs.expect.outcome !== 'heal') {
    // Without the stack's signals an escalation, or the absence of any action, cannot be judged.
    const detail = `host never restored; observer(s) ${obs.unavailableObservers.join(', ')} could not be read, so ${obs.expect.outcome === 'escalate' ? 'an escalation' : 'inaction'} cannot be confirmed`;
    return { verdict: { kind: 'inconclusive', reason: 'observer_unavailable', detail }, settled: atWindowEnd, observeUntil: windowEnd };
  }
  if (escalation) {
    const verdict: Verdict = { kind: 'escalated', escalatedAt: escalation.at, ...(escalation.tier !== undefined && { tier: escalation.tier }) };
    return { verdict, settled: atWindowEnd, observeUntil: windowEnd };
  }
  return { verdict: { kind: 'not_healed' }, settled: atWindowEnd, observeUntil: windowEnd };
}

export function judge(obs: Observation): Judgement {
  const t = timeline(obs);
  const { verdict, settled, observeUntil } = decide(obs, t);
  const firstClaim = t.claims[0];
  const acting = firstClaim ?? t.escalation;
  const observedTier = acting?.tier ?? obs.signals.find((s) => s.tier !== undefined)?.tier;
  const observedRunbook = acting?.runbook ?? obs.signals.find((s) => s.runbook !== undefined)?.runbook;
  const stayedRestored = t.restore !== undefined && !t.redrift && obs.now >= t.restore.at + obs.holdMs;
  return {
    verdict,
    passed: meetsExpectation(obs.expect, verdict),
    settled,
    observeUntil,
    timings: {
      ...optional('detectMs', t.detectAt),
      ...optional('claimMs', firstClaim?.at),
      ...optional('restoreMs', t.restore?.at),
    },
    funnel: { detected: t.detectAt !== undefined, claimed: firstClaim !== undefined, restored: t.restore !== undefined, stayedRestored },
    ...optional('observedTier', observedTier),
    ...optional('observedRunbook', observedRunbook),
    tierMismatch: expectationMismatch(obs.expect.tier, observedTier, acting !== undefined),
    runbookMismatch: expectationMismatch(obs.expect.runbook, observedRunbook, acting !== undefined),
  };
}

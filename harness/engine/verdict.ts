import type { ExpectSpec } from '../config/scenario-schema.js';
import { meetsExpectation } from '../model/expectation.js';
import { stackFunnel, type StackFunnel } from '../model/funnel.js';
import { expectationMismatches } from '../model/mismatch.js';
import type { SignalKind, Timings } from '../model/run-model.js';
import type { Verdict } from '../model/verdict.js';
import { DELIVERY_SLACK_MS } from '../observers/delivery.js';

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
  /** The stack's stamp, skew-corrected, ms since t0. */
  readonly at: number;
  /** When chaoslab received it (ms since t0); a claim is only fact-checked by a check started after both. */
  readonly receivedAt?: number;
  /** The observer that read it (its delivery allowance applies). */
  readonly source?: string;
  /** A report about the whole host (one convergence run's summary), not about this drift by name. */
  readonly hostWide?: boolean;
  readonly tier?: string;
  readonly runbook?: string;
}

/** An observer whose every record in the attempt was malformed: it reads the stack, but its configuration does not fit what it reads. */
export interface MisconfiguredObserver {
  readonly name: string;
  readonly records: number;
  /** Why the first of them was malformed (e.g. `field host (host) is missing`). */
  readonly firstProblem: string;
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
  /** Observers that produced only malformed records: as blind as an unavailable one, for another reason. */
  readonly misconfiguredObservers: readonly MisconfiguredObserver[];
  /** How many observers watched the attempt; when every one is unavailable the stack's side is unknown. */
  readonly observerCount: number;
  /**
   * Per observer (by name): how long after the SLA a claim stamped inside it may
   * still arrive and count as on time (see observers/delivery.ts). Observers not listed get DELIVERY_SLACK_MS.
   */
  readonly deliveryAllowanceMs?: Readonly<Record<string, number>>;
  /** The timeline is complete up to this time. */
  readonly now: number;
}

export interface Judgement {
  readonly verdict: Verdict;
  readonly passed: boolean;
  /** True when no later sample or signal can change the verdict. */
  readonly settled: boolean;
  /** Past this time the verdict is settled whatever happens (window end, or end of hold after a restore). */
  readonly observeUntil: number;
  readonly timings: Timings;
  readonly funnel: StackFunnel;
  readonly observedTier?: string;
  readonly observedRunbook?: string;
  readonly tierMismatch: boolean;
  readonly runbookMismatch: boolean;
}

interface Redrift {
  readonly at: number;
  readonly seenBy: 'ground_truth' | 'stack';
}

interface Timeline {
  readonly restore?: ProbeSample;
  readonly redrift?: Redrift;
  /** Claims that count for this drift, in stamp order: the stack's own, and host-wide ones the ground truth confirmed. */
  readonly claims: readonly JudgedSignal[];
  /** The signals that name this drift (not host-wide), in stamp order. */
  readonly named: readonly JudgedSignal[];
  /** The first claim that names this drift: the one fact-checked for false_heal. */
  readonly namedClaim?: JudgedSignal;
  readonly escalation?: JudgedSignal;
  readonly detectAt?: number;
  /** First sample whose check started strictly after the named claim was known: its fact check. */
  readonly claimCheck?: ProbeSample;
}

/** The first sample whose check started after the claim was known on both clocks. */
function checkAfter(probes: readonly ProbeSample[], claim: JudgedSignal): ProbeSample | undefined {
  return probes.find((p) => p.startedAt > claimKnownAt(claim));
}

function timeline(obs: Observation): Timeline {
  const probes = [...obs.probes].sort((a, b) => a.at - b.at);
  const signals = [...obs.signals].sort((a, b) => a.at - b.at);
  const restore = probes.find((p) => p.compliant);
  // Claims after the window do not count as heals (the correlator rejects most of them already).
  const inWindow = signals.filter((s) => s.kind === 'claimed_healed' && s.at <= obs.windowMs);
  // A host-wide summary ("run repaired 3 promises") does not say which drifts it fixed:
  // it counts for this one only when the first check after it finds the host restored.
  const claims = inWindow.filter((s) => !s.hostWide || checkAfter(probes, s)?.compliant === true);
  const named = signals.filter((s) => !s.hostWide);
  const namedClaim = named.find((s) => s.kind === 'claimed_healed' && s.at <= obs.windowMs);
  const firstClaim = claims[0];
  // In stamp order already: the stack's own signals and the host-wide claims that count.
  const stackEvents = signals.filter((s) => !s.hostWide || claims.includes(s));
  return {
    ...optional('restore', restore),
    ...optional('redrift', restore && redriftAfter(restore, firstClaim, probes, named)),
    claims,
    named,
    ...optional('namedClaim', namedClaim),
    ...optional('escalation', named.find((s) => s.kind === 'escalated')),
    ...optional('detectAt', stackEvents[0]?.at),
    ...optional('claimCheck', namedClaim && checkAfter(probes, namedClaim)),
  };
}

/**
 * A heal is undone when the ground truth drifts again after the restore, or
 * when the stack itself detects this drift again after the restore and after
 * its own claim. Repeated claims are not a re-drift: convergence tools
 * re-report, retry and log from more than one component.
 */
function redriftAfter(restore: ProbeSample, firstClaim: JudgedSignal | undefined, probes: readonly ProbeSample[], named: readonly JudgedSignal[]): Redrift | undefined {
  const seen = probes.find((p) => p.at > restore.at && !p.compliant);
  const detectedAgain = named.find((s) => s.kind === 'detected' && s.at > restore.at && (!firstClaim || s.at > firstClaim.at));
  if (seen && (!detectedAgain || seen.at <= detectedAgain.at)) return { at: seen.at, seenBy: 'ground_truth' };
  return detectedAgain && { at: detectedAgain.at, seenBy: 'stack' };
}

/**
 * The moment a claim is certainly true on the stack's side: stacks stamp events
 * with e.g. the start of their scan, which can precede the fix itself, so a
 * check started between that stamp and the claim's arrival proves nothing.
 */
function claimKnownAt(claim: JudgedSignal): number {
  return Math.max(claim.at, claim.receivedAt ?? claim.at);
}

/**
 * A claim is on time when the stack stamped it inside the SLA (skew-corrected)
 * AND chaoslab received it by the SLA plus its observer's delivery allowance:
 * a claim written late with its time set back is late, while the transport's
 * own delay (a poll interval, a tail) is not held against the stack.
 */
export function claimOnTime(claim: JudgedSignal, obs: Pick<Observation, 'slaMs' | 'deliveryAllowanceMs'>): boolean {
  const allowance = (claim.source !== undefined ? obs.deliveryAllowanceMs?.[claim.source] : undefined) ?? DELIVERY_SLACK_MS;
  return claim.at <= obs.slaMs && (claim.receivedAt ?? claim.at) <= obs.slaMs + allowance;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Why the stack's side of an attempt may be incomplete: observers that could not be read or whose records all were malformed. */
function blindness(obs: Observation): { reason: 'observer_unavailable' | 'observer_misconfigured'; observers: number; why: string } | undefined {
  const unavailable = obs.unavailableObservers;
  const misconfigured = obs.misconfiguredObservers;
  if (!unavailable.length && !misconfigured.length) return undefined;
  const parts = [
    ...(unavailable.length ? [`observer(s) ${unavailable.join(', ')} could not be read`] : []),
    ...misconfigured.map((m) => `observer ${m.name} is misconfigured: all ${m.records} record(s) it read were malformed (first: ${m.firstProblem})`),
  ];
  return {
    // a configuration to fix is the more useful headline when both happened
    reason: misconfigured.length ? 'observer_misconfigured' : 'observer_unavailable',
    observers: unavailable.length + misconfigured.length,
    why: parts.join('; '),
  };
}

function decide(obs: Observation, t: Timeline): { verdict: Verdict; settled: boolean; observeUntil: number } {
  const { restore, redrift, claims, namedClaim, escalation, claimCheck } = t;
  const windowEnd = obs.windowMs;
  const atWindowEnd = obs.now >= windowEnd;
  const blind = blindness(obs);

  // A claim must be true when it is made: the first check after it still sees the drift.
  if (namedClaim && claimCheck && !claimCheck.compliant && (!restore || restore.at > claimCheck.at)) {
    return { verdict: { kind: 'false_heal', claimAt: namedClaim.at }, settled: true, observeUntil: obs.now };
  }

  if (restore) {
    const holdEnd = restore.at + obs.holdMs;
    const observeUntil = Math.max(windowEnd, holdEnd);
    if (redrift) {
      const verdict: Verdict = { kind: 'flapped', restoreAt: restore.at, redriftAt: redrift.at, claims: claims.length, redriftSeenBy: redrift.seenBy };
      return { verdict, settled: true, observeUntil: obs.now };
    }
    const stayed = obs.now >= holdEnd;
    if (claims.length) {
      // Of repeated claims, one delivered on time is enough.
      const onTime = claims.find((claim) => claimOnTime(claim, obs));
      const shown = onTime ?? claims[0]!;
      const kind = onTime && restore.at <= obs.slaMs + obs.probeIntervalMs ? 'healed' : 'healed_late';
      const verdict: Verdict = { kind, claimAt: shown.at, restoreAt: restore.at, ...optional('claimReceivedAt', shown.receivedAt) };
      return { verdict, settled: stayed, observeUntil: holdEnd };
    }
    const done = obs.now >= observeUntil;
    if (blind) {
      // Restored but the stack's side could not be read: a claim may exist that we never saw.
      const detail = `host restored at ${Math.round(restore.at)}ms but ${blind.why}`;
      return { verdict: { kind: 'inconclusive', reason: blind.reason, detail }, settled: done, observeUntil };
    }
    return { verdict: { kind: 'silent_heal', restoreAt: restore.at }, settled: done, observeUntil };
  }

  if (blind && blind.observers >= obs.observerCount) {
    // No observer could be read: a monitoring outage is a lab failure, never blamed on the healer (even if the drift stayed).
    const detail = `host never restored, and no observer of the healing stack could be used (${blind.why}): its side is unknown`;
    return { verdict: { kind: 'inconclusive', reason: blind.reason, detail }, settled: atWindowEnd, observeUntil: windowEnd };
  }
  if (blind && obs.expect.outcome !== 'heal') {
    // Without the stack's signals an escalation, or the absence of any action, cannot be judged.
    const detail = `host never restored; ${blind.why}, so ${obs.expect.outcome === 'escalate' ? 'an escalation' : 'inaction'} cannot be confirmed`;
    return { verdict: { kind: 'inconclusive', reason: blind.reason, detail }, settled: atWindowEnd, observeUntil: windowEnd };
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
  // In stamp order, like everything else the verdict reads: the order signals arrived in must not matter.
  const { named } = t;
  const observedTier = acting?.tier ?? named.find((s) => s.tier !== undefined)?.tier;
  const observedRunbook = acting?.runbook ?? named.find((s) => s.runbook !== undefined)?.runbook;
  const held = t.restore !== undefined && !t.redrift && obs.now >= t.restore.at + obs.holdMs;
  const timings: Timings = {
    ...optional('detectMs', t.detectAt),
    ...optional('claimMs', firstClaim?.at),
    ...optional('restoreMs', t.restore?.at),
  };
  return {
    verdict,
    passed: meetsExpectation(obs.expect, verdict),
    settled,
    observeUntil,
    timings,
    funnel: stackFunnel({ timings, signals: obs.signals, held }),
    ...optional('observedTier', observedTier),
    ...optional('observedRunbook', observedRunbook),
    ...expectationMismatches({ expect: obs.expect, observedTier, observedRunbook, timings, signals: obs.signals }),
  };
}

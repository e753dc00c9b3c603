import { scenarioKey, type FlakyScenario } from '../../harness/model/flaky.js';
import type { AttemptResult, CommandRecord, RunModel } from '../../harness/model/run-model.js';
import { failedExpectation } from '../../harness/model/attention.js';
import { causeOf } from '../../harness/model/cause.js';
import { rerunBase } from '../../harness/model/rerun.js';
import { percentile } from '../../harness/model/summary.js';
import { describeVerdict, expectationText, mismatchText } from '../format.js';
import { windowCheck } from '../window-check.js';

/**
 * The data the scorecard's script renders from, embedded in the page as two
 * JSON blocks: the rows (parsed at load: only what the scenario rows, filters
 * and search need) and the evidence (parsed when a scenario row or an attempt
 * is first opened: texts and times per attempt, commands, events), so a
 * 10,000-attempt run is interactive quickly. Long outputs are
 * clipped (the full text stays in events.jsonl) and repeated texts are stored once.
 */
const OUTPUT_LIMIT = 4000;

export interface ClientScenario {
  readonly id: string;
  readonly title: string;
  readonly platform: string;
  readonly checkType: string;
  readonly tags: readonly string[];
  readonly expected: string;
  readonly sla: number;
  readonly window: number;
  readonly p50?: number;
  readonly p95?: number;
  /** indexes into attempts */
  readonly attempts: number[];
}

export interface ClientAttempt {
  readonly id: string;
  readonly scenario: number;
  readonly host: string;
  readonly repeat: number;
  readonly kind: string;
  readonly passed: boolean;
  /** Counted in the score (model: not inconclusive, not skipped); the page counts nothing itself. */
  readonly scored: boolean;
  readonly flaky?: string;
  /** The bundle it ran in, and the runbook the stack named: both searchable. */
  readonly bundle?: string;
  readonly runbook?: string;
}

/**
 * Per attempt, same order as ClientData.attempts. Every text is an index into
 * EvidenceData.strings (names repeat across thousands of attempts); times are ms.
 */
export interface ClientEvidence {
  /** [verdict (format.ts describeVerdict), cause line (model/cause.ts), tier/runbook mismatch ('' when none)] */
  readonly texts: [number, number, number];
  /** [detected, claimed, restored] ms after injection, -1: never */
  readonly times: [number, number, number];
  /** flat [phase, start, end (-1: unfinished), ok (1, 0, -1: unknown)]×n, relative to the attempt's start */
  readonly phases: number[];
  /** [step, command, exit code, duration, at (since the attempt's start), stdout, stderr, error] */
  readonly commands: [number, number, number | null, number, number, number, number, number][];
  /** [kind, source, at, runbook, tier, the healer's own message] */
  readonly signals: [number, number, number, number, number, number][];
  /** [reason, source, detail] */
  readonly rejected: [number, number, number][];
  /** [ms since t0, compliant] */
  readonly probes: [number, boolean][];
  /** The last check before the revert (reporters/window-check.ts): [ms after injection (-1: unknown), exit code, output]; absent when none ran. */
  readonly final?: [number, number | null, number];
}

export interface ClientData {
  readonly runId: string;
  /** The run's command line without selectors (model/rerun.ts); the page appends an attempt's own. */
  readonly rerunBase: string;
  /** The lab's hosts: an attempt on one of them is rerun with `--host <it>` (model/rerun.ts rerunHostOption). */
  readonly rerunHosts: string[];
  readonly scenarios: ClientScenario[];
  readonly attempts: ClientAttempt[];
}

export interface EvidenceData {
  readonly strings: string[];
  readonly attempts: ClientEvidence[];
}

const clip = (text: string) => (text.length > OUTPUT_LIMIT ? `${text.slice(0, OUTPUT_LIMIT)}\n… ${text.length - OUTPUT_LIMIT} more characters (full output in events.jsonl)` : text);

function interner(): { strings: string[]; intern: (text: string) => number } {
  const strings: string[] = [];
  const index = new Map<string, number>();
  return {
    strings,
    intern: (text) => {
      let at = index.get(text);
      if (at === undefined) {
        at = strings.push(text) - 1;
        index.set(text, at);
      }
      return at;
    },
  };
}

export function buildClientData(run: RunModel, flaky: ReadonlyMap<string, FlakyScenario>): { data: ClientData; evidence: EvidenceData } {
  const { strings, intern } = interner();
  const scenarios: ClientScenario[] = [];
  const scenarioIndex = new Map<string, number>();
  const attempts: ClientAttempt[] = [];
  const evidence: ClientEvidence[] = [];
  // Plain code-unit order: ids and host names are ASCII, and localeCompare is slow over 10,000 attempts.
  const order = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const rank = scenarioRanks(run.attempts);
  const restores: number[][] = [];
  const sorted = [...run.attempts].sort((a, b) => rank.get(a.scenarioId)! - rank.get(b.scenarioId)! || order(a.scenarioId, b.scenarioId) || order(a.host, b.host) || a.repeatIndex - b.repeatIndex);
  for (const a of sorted) {
    let s = scenarioIndex.get(a.scenarioId);
    if (s === undefined) {
      const tags = [...new Set([...(a.category ? [a.category] : []), ...a.tags])];
      s = scenarios.push({ id: a.scenarioId, title: a.title, platform: a.platform, checkType: a.checkType, tags, expected: expectationText(a), sla: a.slaMs, window: a.windowMs, attempts: [] }) - 1;
      scenarioIndex.set(a.scenarioId, s);
      restores[s] = [];
    }
    if ((a.verdict.kind === 'healed' || a.verdict.kind === 'healed_late') && a.timings.restoreMs !== undefined) restores[s]!.push(a.timings.restoreMs);
    scenarios[s]!.attempts.push(attempts.length);
    attempts.push(clientAttempt(a, s, flaky.get(scenarioKey(a))?.reason));
    evidence.push(clientEvidence(a, intern));
  }
  return { data: { runId: run.runId, rerunBase: rerunBase(run.argv), rerunHosts: run.hosts.map((h) => h.name), scenarios: scenarios.map((sc, i) => withPercentiles(sc, restores[i]!)), attempts }, evidence: { strings, attempts: evidence } };
}

/** Scenarios with a failed expectation come first, then those with a lab problem, then the rest. */
function scenarioRanks(attempts: readonly AttemptResult[]): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const a of attempts) {
    const rank = failedExpectation(a) ? 0 : a.verdict.kind === 'inconclusive' ? 1 : 2;
    ranks.set(a.scenarioId, Math.min(rank, ranks.get(a.scenarioId) ?? 2));
  }
  return ranks;
}

/** Time to heal of the scenario's healed and healed_late attempts. */
function withPercentiles(scenario: ClientScenario, restores: readonly number[]): ClientScenario {
  const p50 = percentile(restores, 50);
  const p95 = percentile(restores, 95);
  return { ...scenario, ...(p50 !== undefined ? { p50 } : {}), ...(p95 !== undefined ? { p95 } : {}) };
}

function clientAttempt(a: AttemptResult, scenario: number, flaky: string | undefined): ClientAttempt {
  return {
    id: a.attemptId, scenario, host: a.host, repeat: a.repeatIndex, kind: a.verdict.kind, passed: a.passed, scored: a.scored,
    ...(flaky ? { flaky } : {}), ...(a.bundleId ? { bundle: a.bundleId } : {}), ...(a.observedRunbook ? { runbook: a.observedRunbook } : {}),
  };
}

function clientEvidence(a: AttemptResult, intern: (text: string) => number): ClientEvidence {
  const command = (c: CommandRecord): ClientEvidence['commands'][number] =>
    [intern(c.step), intern(c.command), c.exitCode, c.durationMs, c.at - a.startedAt, intern(clip(c.stdout)), intern(clip(c.stderr)), intern(c.error ?? '')];
  const t = a.timings;
  const final = windowCheck(a);
  return {
    texts: [intern(describeVerdict(a.verdict)), intern(causeOf(a)), intern(mismatchText(a) ?? '')],
    times: [t.detectMs ?? -1, t.claimMs ?? -1, t.restoreMs ?? -1],
    phases: a.phases.flatMap((p) => [intern(p.phase), p.start - a.startedAt, p.end === undefined ? -1 : p.end - a.startedAt, p.ok === undefined ? -1 : Number(p.ok)]),
    commands: a.commands.map(command),
    signals: a.signals.map((s) => [intern(s.kind), intern(s.source), s.at, intern(s.runbook ?? ''), intern(s.tier ?? ''), intern(s.message ?? '')]),
    rejected: a.rejectedSignals.map((r) => [intern(r.reason), intern(r.source), intern(r.detail)]),
    probes: a.probes.map((p) => [p.at, p.compliant]),
    ...(final ? { final: [final.afterInjectionMs ?? -1, final.exitCode, intern(clip(final.output))] } : {}),
  };
}

/**
 * JSON safe inside <script>: with every `<` escaped, no `</script>` or `<!--` can end or
 * confuse the element. (U+2028/U+2029 are valid in JSON and in JavaScript strings since ES2019.)
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c');
}

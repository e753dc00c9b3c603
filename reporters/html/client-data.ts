import { findFlaky, scenarioKey } from '../../harness/model/flaky.js';
import type { AttemptResult, CommandRecord, RunModel } from '../../harness/model/run-model.js';
import { percentile } from '../../harness/model/summary.js';
import { describeVerdict, expectationText, mismatchText } from '../format.js';

/**
 * The data the scorecard's script renders rows and drill-downs from, embedded
 * in the page as JSON. Long outputs are clipped (the full text stays in
 * events.jsonl) and repeated command texts are stored once, so a
 * 10,000-attempt run stays a few megabytes.
 */
const OUTPUT_LIMIT = 4000;

export interface ClientScenario {
  readonly id: string;
  readonly title: string;
  readonly platform: string;
  readonly checkType: string;
  readonly tags: readonly string[];
  readonly sla: number;
  readonly window: number;
  readonly p50?: number;
  readonly p95?: number;
  /** indexes into attempts */
  readonly attempts: number[];
}

/** One command: [step, text index, exit code, duration ms, at (ms since t0 or run start), stdout, stderr, error]. */
type ClientCommand = [string, number, number | null, number, number, string, string, string];

export interface ClientAttempt {
  readonly id: string;
  readonly scenario: number;
  readonly host: string;
  readonly platform: string;
  readonly tags: readonly string[];
  readonly repeat: number;
  readonly kind: string;
  readonly passed: boolean;
  readonly verdict: string;
  readonly expected: string;
  readonly mismatch?: string;
  readonly flaky?: string;
  readonly detect?: number;
  readonly claim?: number;
  readonly restore?: number;
  readonly start: number;
  readonly t0?: number;
  /** [phase, start, end, ok] relative to the attempt's start */
  readonly phases: [string, number, number | null, boolean | null][];
  readonly commands: ClientCommand[];
  readonly signals: [string, string, number, string, string][];
  readonly rejected: [string, string, string][];
  readonly probes: [number, boolean][];
}

export interface ClientData {
  readonly runId: string;
  readonly strings: string[];
  readonly scenarios: ClientScenario[];
  readonly attempts: ClientAttempt[];
}

const clip = (text: string) => (text.length > OUTPUT_LIMIT ? `${text.slice(0, OUTPUT_LIMIT)}\n… ${text.length - OUTPUT_LIMIT} more characters (full output in events.jsonl)` : text);

export function buildClientData(run: RunModel, history: readonly RunModel[]): ClientData {
  const flaky = findFlaky(run, history);
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const intern = (text: string) => {
    let index = stringIndex.get(text);
    if (index === undefined) {
      index = strings.push(text) - 1;
      stringIndex.set(text, index);
    }
    return index;
  };
  const scenarios: ClientScenario[] = [];
  const scenarioIndex = new Map<string, number>();
  const attempts: ClientAttempt[] = [];
  const command = (c: CommandRecord, start: number): ClientCommand => [c.step, intern(c.command), c.exitCode, c.durationMs, c.at - start, clip(c.stdout), clip(c.stderr), c.error ?? ''];
  const sorted = [...run.attempts].sort((a, b) => a.scenarioId.localeCompare(b.scenarioId) || a.host.localeCompare(b.host) || a.repeatIndex - b.repeatIndex);
  for (const a of sorted) {
    let s = scenarioIndex.get(a.scenarioId);
    if (s === undefined) {
      s = scenarios.push({ id: a.scenarioId, title: a.title, platform: a.platform, checkType: a.checkType, tags: tagsOf(a), sla: a.slaMs, window: a.windowMs, attempts: [] }) - 1;
      scenarioIndex.set(a.scenarioId, s);
    }
    scenarios[s]!.attempts.push(attempts.length);
    attempts.push(clientAttempt(a, s, flaky.get(scenarioKey(a))?.reason, command));
  }
  return { runId: run.runId, strings, scenarios: scenarios.map((sc) => withPercentiles(sc, attempts)), attempts };
}

function tagsOf(a: AttemptResult): string[] {
  return [...new Set([...(a.category ? [a.category] : []), ...a.tags])];
}

function withPercentiles(scenario: ClientScenario, attempts: readonly ClientAttempt[]): ClientScenario {
  const restores = scenario.attempts.map((i) => attempts[i]!).filter((a) => a.kind === 'healed' || a.kind === 'healed_late').map((a) => a.restore).filter((r): r is number => r !== undefined);
  const p50 = percentile(restores, 50);
  const p95 = percentile(restores, 95);
  return { ...scenario, ...(p50 !== undefined ? { p50 } : {}), ...(p95 !== undefined ? { p95 } : {}) };
}

function clientAttempt(a: AttemptResult, scenario: number, flaky: string | undefined, command: (c: CommandRecord, start: number) => ClientCommand): ClientAttempt {
  const t0 = a.phases.find((p) => p.phase === 'confirm_drift')?.start;
  const mismatch = mismatchText(a);
  return {
    id: a.attemptId, scenario, host: a.host, platform: a.platform, tags: tagsOf(a), repeat: a.repeatIndex,
    kind: a.verdict.kind, passed: a.passed, verdict: describeVerdict(a.verdict), expected: expectationText(a),
    ...(mismatch ? { mismatch } : {}), ...(flaky ? { flaky } : {}),
    ...(a.timings.detectMs !== undefined ? { detect: a.timings.detectMs } : {}),
    ...(a.timings.claimMs !== undefined ? { claim: a.timings.claimMs } : {}),
    ...(a.timings.restoreMs !== undefined ? { restore: a.timings.restoreMs } : {}),
    start: a.startedAt, ...(t0 !== undefined ? { t0: t0 - a.startedAt } : {}),
    phases: a.phases.map((p) => [p.phase, p.start - a.startedAt, p.end === undefined ? null : p.end - a.startedAt, p.ok ?? null]),
    commands: a.commands.map((c) => command(c, a.startedAt)),
    signals: a.signals.map((s) => [s.kind, s.source, s.at, s.runbook ?? '', s.tier ?? '']),
    rejected: a.rejectedSignals.map((r) => [r.reason, r.source, r.detail]),
    probes: a.probes.map((p) => [p.at, p.compliant]),
  };
}

/** JSON safe inside <script>: no `</script>`, `<!--` or line separators can end or confuse the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

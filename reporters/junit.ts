import { join } from 'node:path';
import { writeArtifact } from '../harness/core/artifact-file.js';
import { formatDuration } from '../harness/core/duration.js';
import { findFlaky, scenarioKey, type FlakyScenario } from '../harness/model/flaky.js';
import type { AttemptResult, RunModel } from '../harness/model/run-model.js';
import { isKnownGap } from '../harness/model/attention.js';
import { windowCheck, windowCheckText } from './window-check.js';
import { causeOf } from '../harness/model/cause.js';
import { testName } from '../harness/model/naming.js';
import { checkCountsText, type ResidueHostScan } from '../harness/model/residue.js';
import { describeResidue, describeVerdict, expectationText, mismatchText, residueLines } from './format.js';
import type { Reporter, ReporterContext } from './reporter.js';

/**
 * junit.xml for CI servers: one <testsuite> per platform/host, one <testcase>
 * per attempt. Verdicts map to JUnit results as follows:
 *  - passed (the verdict matched expect.outcome) → no result element;
 *  - failed expectation → <failure type="<verdict>">;
 *  - inconclusive → <error type="inconclusive.<reason>">: the lab, not the
 *    healer, failed. JUnit's "error" means exactly that (the test could not run
 *    properly), CI shows it apart from failures, and it is not silently green;
 *  - skipped → <skipped>;
 *  - a failing known gap (tag known-gap) → <skipped message="known gap: <cause>">: an
 *    expected failure, so CI is not red every night for what someone already owns
 *    (`--fail-on known-gap` fails the run for them; JUnit still shows them apart).
 * The residue scan of a host is lab health, not a test result: it is carried
 * by that host's <testsuite> as properties (`residue_scan`, `residue.<scenario>`,
 * `residue_unknown.<scenario>`) and listed in the suite's <system-out>, so it
 * never turns a CI run red by itself (`--fail-on residue` does that).
 */
const INVALID_XML = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const OUTPUT_LIMIT = 2000;

export function xmlEscape(text: string): string {
  return text.replace(INVALID_XML, '\uFFFD').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);
const attr = (name: string, value: string | number) => ` ${name}="${xmlEscape(String(value))}"`;
const clip = (text: string) => (text.length > OUTPUT_LIMIT ? `${text.slice(0, OUTPUT_LIMIT)}… (${text.length - OUTPUT_LIMIT} more characters in events.jsonl)` : text);

function timingLines(a: AttemptResult): string[] {
  const t = a.timings;
  const at = (ms: number | undefined) => (ms === undefined ? 'never' : `${formatDuration(ms)} after injection`);
  return [`detected: ${at(t.detectMs)}`, `claimed: ${at(t.claimMs)}`, `restored: ${at(t.restoreMs)}`, `SLA ${formatDuration(a.slaMs)}, window ${formatDuration(a.windowMs)}, hold ${formatDuration(a.holdMs)}`, `ground truth: ${windowCheckText(windowCheck(a))}`];
}

function resultElement(a: AttemptResult): string {
  const v = a.verdict;
  if (v.kind === 'skipped') return `      <skipped${attr('message', `${v.reason}: ${v.detail}`)}/>\n`;
  const cause = causeOf(a);
  const details = [cause, describeVerdict(v), `expected: ${expectationText(a)}`, ...timingLines(a), ...(mismatchText(a) ? [mismatchText(a)!] : [])].join('\n');
  if (v.kind === 'inconclusive') {
    return `      <error${attr('type', `inconclusive.${v.reason}`)}${attr('message', `inconclusive (${v.reason}): ${v.detail} — a lab failure, not counted in the score`)}>${xmlEscape(details)}</error>\n`;
  }
  if (a.passed) return '';
  if (isKnownGap(a)) return `      <skipped${attr('message', `known gap: ${cause}`)}>${xmlEscape(details)}</skipped>\n`;
  // The message is the cause line every report shows; CI servers list it beside the test name.
  return `      <failure${attr('type', v.kind)}${attr('message', cause)}>${xmlEscape(details)}</failure>\n`;
}

/** Per-test facts (verdict, expected outcome, SLA …). Jenkins' junit-10.xsd allows no <properties> in a <testcase>, so they open its <system-out> as `name: value` lines. */
function facts(a: AttemptResult, flaky: FlakyScenario | undefined): [string, string][] {
  const entries: [string, string][] = [
    ['verdict', a.verdict.kind],
    ['expected_outcome', a.expect.outcome],
    ['check_type', a.checkType],
    ['sla_ms', String(a.slaMs)],
    ...(a.expect.tier ? [['tier', a.expect.tier] as [string, string]] : []),
    ...(a.expect.runbook ? [['runbook', a.expect.runbook] as [string, string]] : []),
    ...(a.observedTier ? [['observed_tier', a.observedTier] as [string, string]] : []),
    ...(a.observedRunbook ? [['observed_runbook', a.observedRunbook] as [string, string]] : []),
    ...(a.category ? [['category', a.category] as [string, string]] : []),
    ...(a.tags.length ? [['tags', a.tags.join(',')] as [string, string]] : []),
    ...(a.bundleId ? [['bundle', a.bundleId] as [string, string]] : []),
    ...(a.timings.restoreMs !== undefined ? [['restore_ms', String(a.timings.restoreMs)] as [string, string]] : []),
    ...(flaky ? [['flaky', flaky.reason] as [string, string]] : []),
  ];
  return entries;
}

function systemOut(a: AttemptResult, flaky: FlakyScenario | undefined): string {
  const lines = [
    ...facts(a, flaky).map(([name, value]) => `${name}: ${value}`),
    ...a.commands.map((c) => `[${c.step}] exit ${c.exitCode ?? 'none'} (${formatDuration(c.durationMs)})${c.error ? ` error: ${c.error}` : ''}: ${clip(c.command)}${c.stdout ? `\n  stdout: ${clip(c.stdout)}` : ''}${c.stderr ? `\n  stderr: ${clip(c.stderr)}` : ''}`),
    ...a.signals.map((s) => `[signal] ${s.kind} from ${s.source} at ${formatDuration(s.at)}${s.runbook ? ` runbook ${s.runbook}` : ''}${s.tier ? ` tier ${s.tier}` : ''}${s.message ? `: ${s.message}` : ''}`),
    ...a.rejectedSignals.map((r) => `[rejected] ${r.reason} from ${r.source}: ${r.detail}`),
  ];
  return `      <system-out>${xmlEscape(lines.join('\n'))}</system-out>\n`;
}

function testcase(a: AttemptResult, flaky: FlakyScenario | undefined): string {
  // The name stays the same from run to run (CI servers track a test's history by it); flakiness is a property.
  const name = testName(a);
  const time = a.endedAt !== undefined ? a.endedAt - a.startedAt : 0;
  return `    <testcase${attr('name', name)}${attr('classname', `chaoslab.${a.platform}.${a.host}`)}${attr('time', seconds(time))}>\n${resultElement(a)}${systemOut(a, flaky)}    </testcase>\n`;
}

interface Counts { tests: number; failures: number; errors: number; skipped: number; timeMs: number }

/**
 * A suite's time is the wall time its attempts span, not their sum: attempts run
 * concurrently, and a sum (600 s for a 69 s run) says nothing true.
 */
function count(attempts: readonly AttemptResult[], wallMs?: number): Counts {
  const c = { tests: attempts.length, failures: 0, errors: 0, skipped: 0, timeMs: 0 };
  let first = Infinity;
  let last = -Infinity;
  for (const a of attempts) {
    // not scored: skipped (not run) is JUnit's skipped, inconclusive (the lab failed) is an error
    if (!a.scored) c[a.verdict.kind === 'skipped' ? 'skipped' : 'errors'] += 1;
    else if (!a.passed) c[isKnownGap(a) ? 'skipped' : 'failures'] += 1;
    first = Math.min(first, a.startedAt);
    last = Math.max(last, a.endedAt ?? a.startedAt);
  }
  c.timeMs = wallMs ?? (attempts.length ? last - first : 0);
  return c;
}

function residueProperties(scan: ResidueHostScan | undefined): [string, string][] {
  if (!scan) return [];
  if (scan.skipped) return [['residue_scan', `not scanned (${scan.skipped.reason}): ${scan.skipped.detail}`]];
  return [
    ['residue_scan', checkCountsText(scan.checks)],
    ...scan.checks.flatMap((c): [string, string][] => (c.status === 'residue' ? [[`residue.${c.scenarioId}`, describeResidue(c)]] : c.status === 'unknown' ? [[`residue_unknown.${c.scenarioId}`, c.detail]] : [])),
  ];
}

function residueSystemOut(scan: ResidueHostScan | undefined): string {
  if (!scan) return '';
  const lines = [...(scan.skipped ? [] : [`residue scan: ${checkCountsText(scan.checks)}`]), ...residueLines({ complete: true, hosts: [scan] })];
  return `    <system-out>${xmlEscape(clip(lines.join('\n')))}</system-out>\n`;
}

const countAttrs = (c: Counts) => `${attr('tests', c.tests)}${attr('failures', c.failures)}${attr('errors', c.errors)}${attr('skipped', c.skipped)}${attr('time', seconds(c.timeMs))}`;
/** junit-10.xsd's <testsuites> takes name, time, tests, failures and errors only (no skipped, no timestamp). */
const rootCountAttrs = (c: Counts) => `${attr('tests', c.tests)}${attr('failures', c.failures)}${attr('errors', c.errors)}${attr('time', seconds(c.timeMs))}`;

export function renderJunit(run: RunModel, history: readonly RunModel[] = []): string {
  const flaky = findFlaky(run, history);
  const suites = new Map<string, AttemptResult[]>();
  for (const a of run.attempts) {
    const key = `${a.platform}/${a.host}`;
    const list = suites.get(key);
    if (list) list.push(a);
    else suites.set(key, [a]);
  }
  const total = count(run.attempts, run.durationMs);
  const parts = [`<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attr('name', `chaoslab ${run.runId}${run.suite ? ` (${run.suite})` : ''}`)}${rootCountAttrs(total)}>\n`];
  let id = 0;
  for (const [key, attempts] of [...suites].sort(([a], [b]) => a.localeCompare(b))) {
    const first = attempts[0]!;
    const startedAt = Math.min(...attempts.map((a) => a.startedAt));
    parts.push(`  <testsuite${attr('name', key)}${countAttrs(count(attempts))}${attr('timestamp', new Date(run.startedAtWall + startedAt).toISOString())}${attr('hostname', first.host)}${attr('id', id++)}${attr('package', `chaoslab.${first.platform}`)}>\n`);
    const residue = run.residueScan?.hosts.find((h) => h.host === first.host);
    const suiteProperties = [['run_id', run.runId], ['lab', run.lab], ['platform', first.platform], ...(run.shard ? [['shard', run.shard]] : []), ...residueProperties(residue)];
    parts.push(`    <properties>\n${suiteProperties.map(([n, v]) => `      <property${attr('name', n!)}${attr('value', v!)}/>\n`).join('')}    </properties>\n`);
    for (const a of attempts) parts.push(testcase(a, flaky.get(scenarioKey(a))));
    parts.push(residueSystemOut(residue));
    parts.push('  </testsuite>\n');
  }
  parts.push('</testsuites>\n');
  return parts.join('');
}

export function createJunitReporter(context: ReporterContext): Reporter {
  return {
    name: 'junit',
    async onRunEnd(run: RunModel) {
      const file = join(context.outputDir, 'junit.xml');
      await writeArtifact(file, renderJunit(run, context.history ?? []));
      return [file];
    },
  };
}

import { formatDuration } from '../../harness/core/duration.js';
import type { AttemptResult, RunModel } from '../../harness/model/run-model.js';
import { causeOf } from '../../harness/model/cause.js';
import { describeVerdict, expectationText } from '../format.js';
import { escapeHtml } from '../escape-html.js';
import { windowCheck, windowCheckText } from '../window-check.js';
import { scenariosSection } from './print-scenarios.js';

/**
 * What the PDF adds to the scorecard: the page's scenario rows are built by
 * its script for people to open one at a time, which paper cannot do, so the
 * printed copy gets the same facts as static sections — every failed
 * expectation with its cause, the scenario list, and a short evidence summary per attempt.
 */

/** Beyond this many attempts the summaries stop (the failures never do); the HTML and events.jsonl hold the rest. */
export const PRINTED_ATTEMPTS = 500;

const clip = (text: string, max = 240) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** The attempt id (`scenario@host#repeat`): the name events.jsonl and the HTML use for it. */
const attemptName = (a: AttemptResult) => a.attemptId;

/**
 * The last ground-truth check before chaoslab reverted (reporters/window-check.ts): when it
 * failed, its output is the evidence that the host was still drifted.
 */
function lastFailedCheck(a: AttemptResult): string | undefined {
  const check = windowCheck(a);
  if (!check || check.result === 'compliant') return undefined;
  return `check exited ${check.exitCode ?? 'without a code'}${check.output ? `: ${clip(check.output, 160)}` : ''}`;
}

/**
 * Why an attempt did not meet its expectation, in one line: the same cause line
 * as the HTML and every other report (model/cause.ts, with the healer's own
 * words), then what was expected, then the check that still saw the drift.
 */
export function failureCause(a: AttemptResult): string {
  const parts = [causeOf(a), `expected ${expectationText(a)}`, lastFailedCheck(a)];
  return parts.filter(Boolean).join('; ');
}

function failuresSection(run: RunModel): string {
  const failed = run.attempts.filter((a) => !a.passed && a.verdict.kind !== 'inconclusive' && a.verdict.kind !== 'skipped');
  // a list, not a table: a cause is a sentence, and text extracted from the PDF keeps it whole
  const items = failed.map((a) => `<li><strong>${escapeHtml(attemptName(a))}</strong> <span class="badge v-${a.verdict.kind}">${a.verdict.kind}</span> — ${escapeHtml(failureCause(a))}</li>`);
  return [
    '<section class="card print-only" id="print-failures">',
    `<h2>Failed expectations (${failed.length})</h2>`,
    failed.length ? `<ol class="print-failures">${items.join('')}</ol>` : '<p>None: every scored attempt met its expectation.</p>',
    '</section>',
  ].join('\n');
}

function evidenceLine(a: AttemptResult): string {
  const phases = a.phases.map((p) => `${p.phase}${p.ok === false ? ' ✗' : ''}`).join(' → ');
  const times = [`detect ${formatDuration(a.timings.detectMs ?? NaN)}`, `claim ${formatDuration(a.timings.claimMs ?? NaN)}`, `restore ${formatDuration(a.timings.restoreMs ?? NaN)}`].join(', ');
  const sources = [...new Set(a.signals.map((s) => s.source))].join(', ');
  const failedCommands = a.commands.filter((c) => c.exitCode !== 0 && c.step !== 'check').length;
  const facts = [
    `${a.passed ? 'passed' : 'failed'}: ${describeVerdict(a.verdict)}; expected ${expectationText(a)}`,
    times,
    // the claim beside the ground truth when the window ended
    `claim vs ground truth: ${a.timings.claimMs === undefined ? 'no claim' : `claimed healed at ${formatDuration(a.timings.claimMs)}`}; ${windowCheckText(windowCheck(a))}`,
    `${a.signals.length} healer event(s)${sources ? ` from ${sources}` : ''}, ${a.rejectedSignals.length} rejected; ${a.commands.length} command(s)${failedCommands ? `, ${failedCommands} failed` : ''}; ${a.probes.length} check(s)`,
    phases && `phases: ${phases}`,
    // a passed attempt's drifted checks are the fault confirming itself, not evidence against the healer
    a.passed ? undefined : lastFailedCheck(a),
  ];
  return `<li><strong>${escapeHtml(attemptName(a))}</strong> <span class="badge v-${a.verdict.kind}">${a.verdict.kind}</span><br>${facts.filter(Boolean).map((f) => escapeHtml(f!)).join('<br>')}</li>`;
}

function evidenceSection(run: RunModel): string {
  const shown = run.attempts.slice(0, PRINTED_ATTEMPTS);
  const more = run.attempts.length - shown.length;
  return [
    '<section class="card print-only" id="print-evidence">',
    `<h2>Evidence per attempt (${run.attempts.length})</h2>`,
    `<ol class="print-evidence">${shown.map(evidenceLine).join('')}</ol>`,
    more > 0 ? `<p>…and ${more} more attempts (see index.html; every command and event is in events.jsonl)</p>` : '',
    '</section>',
  ].join('\n');
}

/** Print rules of the PDF: paper colours, no interactive rows, tables that break across pages cleanly. */
export const PRINT_STYLE = `<style media="print">
#scenarios, .skip { display: none !important; }
.card { break-inside: auto; }
.print-failures, .print-evidence, .print-scenarios { font-size: 0.85em; }
.print-failures li, .print-evidence li, .print-scenarios li { break-inside: avoid; margin-bottom: 0.5em; }
</style>`;

export function printSections(run: RunModel): string {
  return `${failuresSection(run)}\n${scenariosSection(run)}\n${evidenceSection(run)}`;
}

import type { AttemptResult, RunModel } from '../../harness/model/run-model.js';
import { failedExpectation } from '../../harness/model/attention.js';
import { escapeHtml } from '../escape-html.js';

/**
 * The scenario list on paper: the page builds its scenario rows with a script
 * for readers to open one by one, so the PDF gets them as a static list — one
 * line per scenario with its attempts' verdicts and how many met their
 * expectation, scenarios with a failed expectation first (as on the page).
 */
interface ScenarioLine { readonly id: string; readonly title: string; readonly platform: string; readonly attempts: AttemptResult[] }

function scenarioLines(run: RunModel): ScenarioLine[] {
  const byId = new Map<string, ScenarioLine>();
  for (const a of run.attempts) {
    const line = byId.get(a.scenarioId) ?? { id: a.scenarioId, title: a.title, platform: a.platform, attempts: [] };
    line.attempts.push(a);
    byId.set(a.scenarioId, line);
  }
  const rank = (s: ScenarioLine) => (s.attempts.some(failedExpectation) ? 0 : s.attempts.some((a) => a.verdict.kind === 'inconclusive') ? 1 : 2);
  return [...byId.values()].sort((x, y) => rank(x) - rank(y) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

function lineHtml(s: ScenarioLine): string {
  const kinds = new Map<string, number>();
  for (const a of s.attempts) kinds.set(a.verdict.kind, (kinds.get(a.verdict.kind) ?? 0) + 1);
  const badges = [...kinds].map(([kind, n]) => `<span class="badge v-${kind}">${kind}${n > 1 ? ` ×${n}` : ''}</span>`).join(' ');
  const scored = s.attempts.filter((a) => a.scored);
  const hosts = [...new Set(s.attempts.map((a) => a.host))].join(', ');
  return `<li><strong>${escapeHtml(s.id)}</strong> ${escapeHtml(s.title)} · ${escapeHtml(s.platform)} · ${escapeHtml(hosts)} ${badges} ${scored.filter((a) => a.passed).length}/${scored.length} passed</li>`;
}

export function scenariosSection(run: RunModel): string {
  const lines = scenarioLines(run);
  return [
    '<section class="card print-only" id="print-scenarios">',
    `<h2>Scenarios (${lines.length})</h2>`,
    `<ol class="print-scenarios">${lines.map(lineHtml).join('')}</ol>`,
    '</section>',
  ].join('\n');
}

import { needsAttention } from '../harness/model/attention.js';
import { failingSince, failingSinceText } from '../harness/model/history-view.js';
import { scenarioKey } from '../harness/model/flaky.js';
import { windowCheck, windowCheckCell } from './window-check.js';
import { causeOf } from '../harness/model/cause.js';
import { attemptName } from '../harness/model/naming.js';
import type { AttemptResult, RunModel } from '../harness/model/run-model.js';

/**
 * Markdown building blocks shared by summary.md and the GitHub step summary:
 * cells, capped tables folded into <details> when long, GitHub alerts, and the
 * "Needs attention" section (failures first, known gaps apart).
 */
export const ROW_LIMIT = 25;
/** Longer lists than this are folded into <details>, so the page opens on what matters. */
export const FOLD_ABOVE = 10;

export function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\r?\n/g, ' ');
}

/** A table cell that is a link: its text is escaped like any cell, its address kept whole. */
export interface LinkCell {
  readonly text: string;
  readonly href: string;
}
type Cell = string | LinkCell;

const cell = (c: Cell) => (typeof c === 'string' ? mdCell(c) : `[${mdCell(c.text)}](${c.href.replace(/[()\s|]/g, encodeURIComponent)})`);

export function table(header: readonly string[], rows: readonly (readonly Cell[])[], align?: string): string[] {
  const shown = rows.slice(0, ROW_LIMIT);
  const lines = [`| ${header.join(' | ')} |`, align ?? `|${header.map(() => '---').join('|')}|`, ...shown.map((r) => `| ${r.map(cell).join(' | ')} |`)];
  if (rows.length > shown.length) lines.push('', `…and ${rows.length - shown.length} more (see the HTML scorecard).`);
  return lines;
}

/** A section whose body is folded into <details> when it has many rows (GitHub needs the blank lines around the table). */
export function section(title: string, rows: number, body: readonly string[], level = '###'): string[] {
  if (rows <= FOLD_ABOVE) return ['', `${level} ${title}`, '', ...body];
  return ['', `<details><summary><strong>${mdCell(title)}</strong></summary>`, '', ...body, '', '</details>'];
}

/** GitHub alert syntax (`> [!WARNING]`); other Markdown viewers show it as a plain quote. */
export function alert(kind: 'NOTE' | 'WARNING' | 'CAUTION', lines: readonly string[]): string[] {
  return lines.length ? ['', `> [!${kind}]`, ...lines.map((l) => `> ${mdCell(l)}`)] : [];
}

/** The HTML scorecard's address of one attempt (its drill-down opens from the URL hash). */
export function evidenceUrl(reportUrl: string, attempt: Pick<AttemptResult, 'attemptId'>): string {
  return `${reportUrl}#attempt=${encodeURIComponent(attempt.attemptId)}`;
}

export function attentionSection(run: RunModel, baseline: RunModel | undefined, reportUrl: string | undefined, history: readonly RunModel[] = []): string[] {
  const groups = needsAttention(run, baseline);
  const since = history.length ? failingSince(run, history) : undefined;
  const header = ['Scenario', 'Host', 'Verdict', 'Cause', 'Last check before revert', ...(since ? ['Since'] : []), ...(reportUrl ? ['Evidence'] : [])];
  const rows = (attempts: readonly AttemptResult[]) =>
    table(header, attempts.map((a) => [
      attemptName(a), a.host, a.verdict.kind, causeOf(a), windowCheckCell(windowCheck(a)),
      ...(since ? [failingSinceText(since.get(scenarioKey(a))) ?? ''] : []),
      ...(reportUrl ? [{ text: 'evidence', href: evidenceUrl(reportUrl, a) }] : []),
    ]));
  const parts: [string, readonly AttemptResult[]][] = [
    [`Regressions against the baseline (${groups.regressions.length})`, groups.regressions],
    [`Failed expectations (${groups.failures.length})`, groups.failures],
    [`Known gaps, tagged known-gap (${groups.knownGaps.length})`, groups.knownGaps],
  ];
  const shown = parts.filter(([, attempts]) => attempts.length);
  if (!shown.length) return ['', '### Needs attention: nothing', '', 'Every scored expectation was met.'];
  const total = shown.reduce((sum, [, attempts]) => sum + attempts.length, 0);
  return ['', `### Needs attention (${total})`, ...shown.flatMap(([title, attempts]) => section(title, attempts.length, rows(attempts), '####'))];
}

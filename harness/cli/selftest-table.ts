import type { SelfTestResult } from '../engine/self-test.js';
import type { SelfTestReport } from '../engine/self-test-session.js';

const STATUS_MARK: Readonly<Record<SelfTestResult['status'], string>> = { sound: 'sound', not_applied: 'NOT APPLIED', not_reverted: 'NOT REVERTED', inconclusive: 'inconclusive' };

function snapshotColumn(result: SelfTestResult): string {
  if (result.snapshotBefore === undefined) return '-';
  return result.snapshotBefore === result.snapshotAfter ? `same ${result.snapshotBefore.slice(0, 12)}` : `DIFFERS ${result.snapshotBefore.slice(0, 12)}→${result.snapshotAfter?.slice(0, 12)}`;
}

/** The console table: one line per scenario × host, then the healers and where the JSON is. */
export function renderSelfTest(report: SelfTestReport, file: string): string {
  const rows = report.results.map((r) => [r.scenarioId, r.host, STATUS_MARK[r.status], r.driftCheck ?? '-', r.baselineCheck ?? '-', snapshotColumn(r), `${(r.durationMs / 1000).toFixed(1)}s`]);
  const header = ['scenario', 'host', 'result', 'after inject', 'after revert', 'snapshot', 'time'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  const details = report.results.filter((r) => r.status !== 'sound').map((r) => `  ${r.attemptId}: ${r.status}: ${r.detail}`);
  const healers = report.healers.map((h) => `  ${h.host}: ${h.pause}${h.paused ? ', paused' : ''}${h.resumed ? '' : ', NOT RESUMED'}${h.detail ? ` (${h.detail})` : ''}`);
  const { counts } = report;
  return [
    line(header),
    ...rows.map(line),
    '',
    ...(details.length ? ['why:', ...details, ''] : []),
    'healers:',
    ...healers,
    '',
    `${counts.sound} sound, ${counts.not_applied} not applied, ${counts.not_reverted} not reverted, ${counts.inconclusive} inconclusive in ${(report.durationMs / 1000).toFixed(1)}s${report.interrupted ? ' (interrupted)' : ''}`,
    `results: ${file}`,
  ].join('\n');
}

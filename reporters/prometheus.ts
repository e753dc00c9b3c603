import { join } from 'node:path';
import { writeArtifact } from '../harness/core/artifact-file.js';
import { ChaoslabError, errorMessage } from '../harness/core/errors.js';
import { splitUrlCredentials, withoutUrlPasswords } from '../harness/core/url-credentials.js';
import { residueCounts } from '../harness/model/residue.js';
import type { AttemptResult, RunModel } from '../harness/model/run-model.js';
import { summarize } from '../harness/model/summary.js';
import { VERDICT_KINDS } from '../harness/model/verdict.js';
import { Exposition, histogramSamples, type Sample } from './prometheus-text.js';
import type { Reporter, ReporterContext } from './reporter.js';

export const METRICS_FILE = 'metrics.prom';

/** Upper bounds of the time-to-restore histogram, in seconds: the embedded lab heals in seconds, real agents in minutes. */
const RESTORE_BUCKETS_S = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800];

function countBy<K extends string>(attempts: readonly AttemptResult[], keyOf: (a: AttemptResult) => Record<K, string>): Sample[] {
  const counts = new Map<string, { labels: Record<K, string>; value: number }>();
  for (const attempt of attempts) {
    const labels = keyOf(attempt);
    const key = JSON.stringify(labels);
    const entry = counts.get(key) ?? { labels, value: 0 };
    entry.value += 1;
    counts.set(key, entry);
  }
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, entry]) => entry);
}

/** The newest attempt of each scenario (highest start, then repeat), for one series per scenario. */
function lastAttempts(attempts: readonly AttemptResult[]): AttemptResult[] {
  const last = new Map<string, AttemptResult>();
  for (const attempt of attempts) {
    const seen = last.get(attempt.scenarioId);
    if (!seen || attempt.startedAt > seen.startedAt || (attempt.startedAt === seen.startedAt && attempt.repeatIndex > seen.repeatIndex)) last.set(attempt.scenarioId, attempt);
  }
  return [...last.values()].sort((a, b) => a.scenarioId.localeCompare(b.scenarioId));
}

/**
 * The run as Prometheus metrics. Labels are bounded by the lab and the catalogue
 * (lab, platform, host, check type, scenario, verdict, reason): never an attempt
 * or run id, so a nightly push does not grow the series count.
 */
export function runMetrics(run: RunModel): string {
  const summary = summarize(run);
  const lab = { lab: run.lab };
  const out = new Exposition();
  out.family('chaoslab_run_info', 'gauge', 'The run: always 1, with its suite and how it ended (completed, interrupted, crashed)').push({ labels: { ...lab, suite: run.suite ?? '', status: run.status }, value: 1 });
  out.family('chaoslab_run_start_timestamp_seconds', 'gauge', 'When the run started (Unix time)').push({ labels: lab, value: run.startedAtWall / 1000 });
  if (run.durationMs !== undefined) out.family('chaoslab_run_duration_seconds', 'gauge', 'Wall time of the run').push({ labels: lab, value: run.durationMs / 1000 });
  out.family('chaoslab_attempts', 'gauge', 'Attempts of the run').push({ labels: lab, value: summary.total });
  out.family('chaoslab_attempts_passed', 'gauge', 'Attempts whose verdict met the scenario\'s expectation').push({ labels: lab, value: summary.score.passed });
  out.family('chaoslab_attempts_scored', 'gauge', 'Attempts in the score\'s denominator: all but inconclusive and skipped').push({ labels: lab, value: summary.score.scored });
  if (summary.score.rate !== undefined) out.family('chaoslab_pass_ratio', 'gauge', 'passed / scored, from 0 to 1').push({ labels: lab, value: summary.score.rate });

  const verdictSamples = out.family('chaoslab_verdicts', 'gauge', 'Attempts by verdict and platform');
  for (const platform of [...new Set(run.attempts.map((a) => a.platform))].sort()) {
    for (const verdict of VERDICT_KINDS) {
      verdictSamples.push({ labels: { ...lab, platform, verdict }, value: run.attempts.filter((a) => a.platform === platform && a.verdict.kind === verdict).length });
    }
  }
  out.family('chaoslab_host_verdicts', 'gauge', 'Attempts by host and verdict').push(...countBy(run.attempts, (a) => ({ ...lab, host: a.host, verdict: a.verdict.kind })));
  out.family('chaoslab_check_type_verdicts', 'gauge', 'Attempts by check type and verdict').push(...countBy(run.attempts, (a) => ({ ...lab, check_type: a.checkType, verdict: a.verdict.kind })));
  const reasons = out.family('chaoslab_inconclusive', 'gauge', 'Inconclusive attempts by reason (lab failures, never counted against the healer)');
  for (const [reason, value] of Object.entries(summary.inconclusiveReasons).sort()) reasons.push({ labels: { ...lab, reason }, value });

  const funnel = out.family('chaoslab_funnel', 'gauge', 'Attempts that reached each step: injected, drift confirmed, detected, claimed, restored, stayed restored');
  for (const [step, value] of Object.entries(summary.funnel)) funnel.push({ labels: { ...lab, step: step.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) }, value });

  const restores = run.attempts
    .filter((a) => (a.verdict.kind === 'healed' || a.verdict.kind === 'healed_late') && a.timings.restoreMs !== undefined)
    .map((a) => a.timings.restoreMs! / 1000);
  out.family('chaoslab_time_to_restore_seconds', 'histogram', 'Time from the end of injection to the restore seen by the ground-truth check, of healed attempts').push(...histogramSamples(restores, RESTORE_BUCKETS_S, lab));

  if (run.residueScan) {
    const counts = residueCounts(run.residueScan);
    const residue = out.family('chaoslab_residue_checks', 'gauge', 'Residue-scan checks after the run, by outcome');
    for (const status of ['clean', 'residue', 'unknown'] as const) residue.push({ labels: { ...lab, status }, value: counts[status] });
  }

  const last = out.family('chaoslab_scenario_last_verdict', 'gauge', 'The verdict of each scenario\'s newest attempt in the run (1), with whether it passed');
  for (const attempt of lastAttempts(run.attempts)) {
    last.push({ labels: { ...lab, scenario: attempt.scenarioId, verdict: attempt.verdict.kind, passed: String(attempt.passed) }, value: 1 });
  }
  return out.text();
}

/**
 * `--pushgateway`: an http(s) base URL, checked before anything runs. Its
 * credentials (`http://user:pass@host:9091`) are sent as an Authorization
 * header (fetch refuses them in the URL); the CLI remembers the password as a
 * secret (cli/reporter-context.ts), and every output cuts it out of URLs.
 */
export function parsePushgatewayUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(splitUrlCredentials(value).url);
  } catch {
    throw new ChaoslabError('CHAOSLAB_USAGE', `--pushgateway ${withoutUrlPasswords(value)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ChaoslabError('CHAOSLAB_USAGE', `--pushgateway must be an http(s) URL, not ${url.protocol}`);
  return value;
}

/** PUT replaces the whole group (job="chaoslab", lab), so a scenario dropped from the suite does not linger with an old verdict. */
export async function pushMetrics(pushgatewayUrl: string, lab: string, body: string, timeoutMs = 10_000): Promise<void> {
  const { url: target, authorization } = splitUrlCredentials(parsePushgatewayUrl(pushgatewayUrl));
  const base = new URL(target);
  // the label value base64url-encoded (`lab@base64`), so a merged run's "a, b" or any other character is safe in the path
  const url = new URL(`${base.pathname.replace(/\/$/, '')}/metrics/job/chaoslab/lab@base64/${Buffer.from(lab).toString('base64url')}`, base);
  let response: Response;
  try {
    response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'text/plain; version=0.0.4', ...(authorization && { authorization }) }, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (error) {
    throw new ChaoslabError('REPORTER_FAILED', `push to ${url.origin} failed: ${errorMessage(error)}`, { cause: error });
  }
  if (!response.ok) throw new ChaoslabError('REPORTER_FAILED', `push to ${url.origin} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
}

/** metrics.prom in the run folder (for a node-exporter textfile collector), pushed to a Pushgateway when one is given. */
export function createPrometheusReporter(context: ReporterContext): Reporter {
  return {
    name: 'prometheus',
    async onRunEnd(run: RunModel) {
      const file = join(context.outputDir, METRICS_FILE);
      const body = runMetrics(run);
      await writeArtifact(file, body);
      if (context.pushgateway !== undefined) await pushMetrics(context.pushgateway, run.lab, body);
      return [file];
    },
  };
}

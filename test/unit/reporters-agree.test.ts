import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldEvents } from '../../harness/events/fold.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { VERDICT_KINDS } from '../../harness/model/verdict.js';
import { printableHtml } from '../../reporters/pdf.js';
import { reporterFactories, type ReporterName } from '../../reporters/registry.js';
import { syntheticRun } from '../fixtures/runs/synthetic.js';
import { modelToEvents } from '../fixtures/runs/to-events.js';

/**
 * Every reporter prints the model's score and counts nothing itself: rendered
 * from one run that has every verdict kind, skipped and inconclusive attempts,
 * bundles and repeats, each output is parsed back and must say the same
 * passed / scored / excluded (in total, and per platform where it shows them).
 */
interface Counts { passed: number; scored: number; excluded: number }

/** 120 attempts over 6 hosts, 2 repeats each; two hosts' first attempts ran as bundles. Folded from its event log, as `chaoslab report` does. */
function mixedRun(): RunModel {
  const synthetic = syntheticRun({ attempts: 120, hosts: 6, repeats: 2, seed: 3, runId: 'agree' });
  const attempts = synthetic.attempts.map((a, i) => (i < 8 && a.repeatIndex === 1 ? { ...a, bundleId: `bundle-${a.host}` } : a));
  return foldEvents(modelToEvents({ ...synthetic, attempts, durationMs: 200_000, exitCode: 1 }));
}

function collect(): { stream: NodeJS.WritableStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (chunk, _encoding, done) => { chunks.push(String(chunk)); done(); } });
  return { stream, text: () => chunks.join('') };
}

const number = (text: string, pattern: RegExp): number => {
  const match = pattern.exec(text);
  if (!match) throw new Error(`${pattern} not found in:\n${text.slice(0, 2000)}`);
  return Number(match[1]);
};

/** "41/83 passed" anywhere in a headline. */
const headlineCounts = (text: string) => {
  const match = /(\d+)\/(\d+) passed/.exec(text);
  if (!match) throw new Error(`no headline in ${text.slice(0, 500)}`);
  return { passed: Number(match[1]), scored: Number(match[2]) };
};

function htmlCounts(html: string): Counts & { rows: Counts } {
  const headline = /<h1 id="headline">([^<]*)<\/h1>/.exec(html)![1]!;
  const excluded = number(html, /Inconclusive and skipped \((\d+)\)/);
  // the rows the browser script renders come from the model's per-attempt flags
  const data = JSON.parse(/<script type="application\/json" id="chaoslab-data" data-encoding="json">([\s\S]*?)<\/script>/.exec(html)![1]!) as { attempts: { scored: boolean; passed: boolean }[] };
  const rows = {
    passed: data.attempts.filter((a) => a.scored && a.passed).length,
    scored: data.attempts.filter((a) => a.scored).length,
    excluded: data.attempts.filter((a) => !a.scored).length,
  };
  return { ...headlineCounts(headline), excluded, rows };
}

describe('every reporter agrees on passed / scored / excluded', () => {
  let run: RunModel;
  let dir: string;
  const outputs = new Map<ReporterName, string>();

  beforeAll(async () => {
    run = mixedRun();
    dir = mkdtempSync(join(tmpdir(), 'chaoslab-agree-'));
    for (const name of Object.keys(reporterFactories) as ReporterName[]) {
      if (name === 'pdf') continue; // printed by Chromium: its HTML is checked below, without a browser
      const out = collect();
      const reporter = reporterFactories[name]({ outputDir: dir, reportsRoot: dir, stdout: out.stream, judge: () => ({ exitCode: 1, failedGates: [] }) });
      const files = (await reporter.onRunEnd?.(run)) ?? [];
      outputs.set(name, [out.text(), ...files.map((f) => readFileSync(f, 'utf8'))].join('\n'));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Counted here from the verdict kinds, independently of the model's own flags. */
  function expected(platform?: string): Counts {
    const of = run.attempts.filter((a) => platform === undefined || a.platform === platform);
    const excluded = of.filter((a) => a.verdict.kind === 'inconclusive' || a.verdict.kind === 'skipped');
    return { passed: of.filter((a) => a.passed).length, scored: of.length - excluded.length, excluded: excluded.length };
  }

  it('renders from a run with every verdict kind, skipped and inconclusive attempts, bundles and repeats', () => {
    const kinds = new Set(run.attempts.map((a) => a.verdict.kind));
    expect([...kinds].sort()).toEqual([...VERDICT_KINDS].sort());
    expect(run.attempts.some((a) => a.bundleId)).toBe(true);
    expect(run.attempts.some((a) => a.repeatIndex === 2)).toBe(true);
    // passing only ever happens to a scored attempt
    expect(run.attempts.filter((a) => a.passed && !a.scored)).toEqual([]);
    expect(expected().excluded).toBeGreaterThan(1);
    expect(expected().scored).toBeGreaterThan(expected().passed);
  });

  it('console: the headline and the "not scored" line', () => {
    const text = outputs.get('console')!;
    const want = expected();
    expect({ ...headlineCounts(text), excluded: number(text, /not scored: (\d+)/) }).toEqual(want);
  });

  it('json: the summary and the attempts\' own flags', () => {
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { summary: { score: Counts; byPlatform: (Counts & { key: string })[] }; run: RunModel };
    expect({ passed: report.summary.score.passed, scored: report.summary.score.scored, excluded: report.summary.score.excluded }).toEqual(expected());
    for (const p of report.summary.byPlatform) expect({ passed: p.passed, scored: p.scored, excluded: p.excluded }).toEqual(expected(p.key));
    const attempts = report.run.attempts;
    expect({ passed: attempts.filter((a) => a.passed).length, scored: attempts.filter((a) => a.scored).length, excluded: attempts.filter((a) => !a.scored).length }).toEqual(expected());
  });

  it('junit: failures and known gaps are scored misses, errors + other skipped are the excluded', () => {
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    const root = /<testsuites[^>]*>/.exec(xml)![0];
    const attr = (name: string) => number(root, new RegExp(` ${name}="(\\d+)"`));
    // junit-10.xsd has no skipped on <testsuites>: add up the suites'
    const skipped = [...xml.matchAll(/<testsuite [^>]* skipped="(\d+)"/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    const knownGaps = xml.match(/<skipped message="known gap: /g)?.length ?? 0;
    const excluded = attr('errors') + skipped - knownGaps;
    const scored = attr('tests') - excluded;
    expect({ passed: scored - attr('failures') - knownGaps, scored, excluded }).toEqual(expected());
  });

  it('markdown: headline, "not scored" and the platform table', () => {
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect({ ...headlineCounts(md.split('\n')[0]!), excluded: number(md, /(\d+) not scored/) }).toEqual(expected());
    for (const platform of ['linux', 'windows']) {
      const row = new RegExp(`^\\| ${platform === 'linux' ? 'Linux' : 'Windows'} \\| (\\d+) \\| (\\d+) \\| [^|]+ \\| (\\d+) \\| (\\d+) \\|$`, 'm').exec(md)!;
      expect({ passed: Number(row[1]), scored: Number(row[2]), excluded: Number(row[3]) + Number(row[4]) }).toEqual(expected(platform));
    }
  });

  it('html: headline, the lab-problems card and the rows the browser script renders', () => {
    const { rows, ...page } = htmlCounts(readFileSync(join(dir, 'index.html'), 'utf8'));
    expect(page).toEqual(expected());
    expect(rows).toEqual(expected());
  });

  it('pdf: the printed page says the same as the HTML', () => {
    const { rows, ...page } = htmlCounts(printableHtml(run, {}));
    expect(page).toEqual(expected());
    expect(rows).toEqual(expected());
  });

  it('github: the notice\'s headline, one error per scored miss, one warning per inconclusive attempt', () => {
    const lines = outputs.get('github')!.split('\n').filter(Boolean);
    const notice = lines.find((l) => l.startsWith('::notice'))!;
    const want = expected();
    expect(headlineCounts(notice)).toEqual({ passed: want.passed, scored: want.scored });
    expect(lines.filter((l) => l.startsWith('::error')).length).toBe(want.scored - want.passed);
    expect(lines.filter((l) => l.startsWith('::warning')).length).toBe(run.attempts.filter((a) => a.verdict.kind === 'inconclusive').length);
  });

  it('prometheus: attempts, passed and scored gauges', () => {
    const text = readFileSync(join(dir, 'metrics.prom'), 'utf8');
    const gauge = (name: string) => number(text, new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'm'));
    const scored = gauge('chaoslab_attempts_scored');
    expect({ passed: gauge('chaoslab_attempts_passed'), scored, excluded: gauge('chaoslab_attempts') - scored }).toEqual(expected());
  });

  it('checks every registered reporter', () => {
    expect([...outputs.keys(), 'pdf'].sort()).toEqual(Object.keys(reporterFactories).sort());
  });
});

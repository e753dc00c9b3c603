import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { writeArtifact } from '../harness/core/artifact-file.js';
import { ChaoslabError } from '../harness/core/errors.js';
import { findFlaky } from '../harness/model/flaky.js';
import type { HistoryNote } from '../harness/model/history-view.js';
import type { RunJudgement } from '../harness/model/outcome.js';
import type { RunModel } from '../harness/model/run-model.js';
import { summarize } from '../harness/model/summary.js';
import { buildClientData, scriptJson } from './html/client-data.js';
import { buildPageView } from './html/page-view.js';
import { signedNote } from './html/signed-note.js';
import type { Reporter, ReporterContext, SigningFacts } from './reporter.js';

/**
 * index.html: the scorecard as ONE self-contained offline file. CSS, script
 * and SVG are inline; a Content-Security-Policy forbids every fetch. Summaries
 * are rendered here with Handlebars; the per-scenario rows and drill-downs are
 * rendered in the browser from JSON embedded in the page, which keeps big runs
 * small and quick to open.
 */
export const HTML_REPORT_FILE = 'index.html';

/** The assets sit beside this module in the source tree; the compiled module (dist/) finds them there too. */
function asset(name: string): string {
  const candidates = [new URL(`./html/${name}`, import.meta.url), new URL(`../../reporters/html/${name}`, import.meta.url)].map((u) => fileURLToPath(u));
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new ChaoslabError('REPORTER_FAILED', `html reporter: asset ${name} not found (looked in ${candidates.join(', ')})`);
  return readFileSync(found, 'utf8');
}

let compiled: { page: Handlebars.TemplateDelegate; css: string; script: string } | undefined;

function templates() {
  compiled ??= {
    page: Handlebars.create().compile(asset('page.hbs'), { strict: false, preventIndent: true }),
    css: asset('style.css'),
    // client-evidence.js and client-landing.js define the helpers client.js uses: one inline script, helpers first.
    script: `${asset('client-evidence.js')}\n${asset('client-landing.js')}\n${asset('client.js')}`,
  };
  return compiled;
}

/** Above this many bytes a data block is gzip-compressed (base64): big runs stay small and quick to open. */
export const COMPRESS_ABOVE = 256 * 1024;

function block(value: unknown, compressAbove: number): { text: string; encoding: string } {
  const json = scriptJson(value);
  if (json.length <= compressAbove) return { text: json, encoding: 'json' };
  return { text: gzipSync(JSON.stringify(value), { level: 6 }).toString('base64'), encoding: 'gzip-base64' };
}

export interface HtmlOptions {
  readonly baseline?: RunModel;
  readonly history?: readonly RunModel[];
  readonly compressAbove?: number;
  readonly signing?: SigningFacts;
  readonly judgement?: RunJudgement;
  readonly historyNote?: HistoryNote;
}

export function renderHtml(run: RunModel, options: HtmlOptions = {}): string {
  const { page, css, script } = templates();
  const history = options.history ?? [];
  const flaky = findFlaky(run, history);
  const view = buildPageView(run, { summary: summarize(run), flaky, history, ...(options.baseline ? { baseline: options.baseline } : {}), ...(options.judgement && { judgement: options.judgement }), ...(options.historyNote && { historyNote: options.historyNote }) });
  const { data, evidence } = buildClientData(run, flaky);
  const limit = options.compressAbove ?? COMPRESS_ABOVE;
  return page({ ...view, css, script, data: block(data, limit), evidence: block(evidence, limit), signedNote: signedNote(run, options.signing) });
}

export function createHtmlReporter(context: ReporterContext): Reporter {
  return {
    name: 'html',
    async onRunEnd(run: RunModel) {
      const file = join(context.outputDir, HTML_REPORT_FILE);
      await writeArtifact(file, renderHtml(run, {
        ...(context.baseline ? { baseline: context.baseline } : {}),
        ...(context.history ? { history: context.history } : {}),
        ...(context.historyNote ? { historyNote: context.historyNote } : {}),
        ...(context.signing ? { signing: context.signing } : {}),
        ...(context.judge && { judgement: context.judge(run) }),
      }));
      return [file];
    },
  };
}

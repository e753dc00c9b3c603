import { join } from 'node:path';
import type { RunModel } from '../harness/model/run-model.js';
import { renderHtml } from './html.js';
import { DEFAULT_CHROMIUM, printToPdf } from './pdf/chromium.js';
import { PRINT_STYLE, printSections } from './pdf/print-sections.js';
import type { Reporter, ReporterContext } from './reporter.js';

/**
 * scorecard.pdf: the HTML scorecard printed by Chromium, for an audit folder.
 * The printed copy adds static sections for what the page only shows on
 * demand (failures with their causes, a summary of every attempt's evidence);
 * the footer carries the run id and page numbers. Chromium is Debian's
 * (`/usr/bin/chromium`, or `CHAOSLAB_CHROMIUM`).
 */
export const PDF_REPORT_FILE = 'scorecard.pdf';

export function printableHtml(run: RunModel, context: Pick<ReporterContext, 'baseline' | 'history' | 'signing'>): string {
  const html = renderHtml(run, { ...(context.baseline && { baseline: context.baseline }), ...(context.history && { history: context.history }), ...(context.signing && { signing: context.signing }) });
  return html.replace('</head>', `${PRINT_STYLE}\n</head>`).replace('</main>', `${printSections(run)}\n</main>`);
}

export function createPdfReporter(context: ReporterContext): Reporter {
  return {
    name: 'pdf',
    async onRunEnd(run: RunModel) {
      const file = join(context.outputDir, PDF_REPORT_FILE);
      await printToPdf(printableHtml(run, context), file, { executablePath: process.env.CHAOSLAB_CHROMIUM ?? DEFAULT_CHROMIUM, footer: `chaoslab run ${run.runId}` });
      return [file];
    },
  };
}

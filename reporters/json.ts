import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunModel } from '../harness/model/run-model.js';
import { findFlaky } from '../harness/model/flaky.js';
import { residueCounts } from '../harness/model/residue.js';
import { summarize } from '../harness/model/summary.js';
import type { Reporter, ReporterContext } from './reporter.js';

export const JSON_REPORT_VERSION = 1;

/** report.json: the run model plus its summary (and the residue scan's counts), for tools that read results. */
export function createJsonReporter(context: ReporterContext): Reporter {
  return {
    name: 'json',
    async onRunEnd(run: RunModel) {
      const file = join(context.outputDir, 'report.json');
      const flaky = [...findFlaky(run, context.history ?? []).values()];
      const residue = run.residueScan && { complete: run.residueScan.complete, ...residueCounts(run.residueScan) };
      const body = { version: JSON_REPORT_VERSION, summary: summarize(run), flaky, ...(residue && { residue }), run };
      await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
      return [file];
    },
  };
}

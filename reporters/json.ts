import { join } from 'node:path';
import { createArtifactStream } from '../harness/core/artifact-file.js';
import type { RunModel } from '../harness/model/run-model.js';
import { findFlaky } from '../harness/model/flaky.js';
import { residueCounts } from '../harness/model/residue.js';
import { summarize } from '../harness/model/summary.js';
import type { Reporter, ReporterContext } from './reporter.js';

export const JSON_REPORT_VERSION = 1;

type Write = (text: string) => Promise<void>;

const indent = (json: string, pad: string) => json.replace(/\n/g, `\n${pad}`);
const defined = (value: object) => Object.entries(value).filter(([, v]) => v !== undefined);

/** `value` as JSON.stringify(value, null, 2) would print it `depth` levels in, each attempt of `run.attempts` written on its own. */
async function writeValue(write: Write, key: string, value: unknown, depth: number): Promise<void> {
  const pad = '  '.repeat(depth);
  const inner = `${pad}  `;
  if (key === 'run' && depth === 1 && value && typeof value === 'object') {
    const fields = defined(value);
    await write('{\n');
    for (const [i, [k, v]] of fields.entries()) {
      await write(`${inner}${JSON.stringify(k)}: `);
      if (k === 'attempts' && Array.isArray(v) && v.length) {
        await write('[\n');
        for (const [n, attempt] of v.entries()) await write(`${inner}  ${indent(JSON.stringify(attempt, null, 2), `${inner}  `)}${n < v.length - 1 ? ',' : ''}\n`);
        await write(`${inner}]`);
      } else await write(indent(JSON.stringify(v, null, 2), inner));
      await write(`${i < fields.length - 1 ? ',' : ''}\n`);
    }
    await write(`${pad}}`);
    return;
  }
  await write(indent(JSON.stringify(value, null, 2), pad));
}

/**
 * Writes the report as JSON.stringify(body, null, 2) would, but attempt by
 * attempt: a 10,000-attempt report is 55 MB, and one string of it (twice that
 * in memory) was most of the benchmark's peak RSS.
 */
async function writeReport(file: string, body: Record<string, unknown>): Promise<void> {
  const out = createArtifactStream(file);
  const write: Write = (text) => out.write(text);
  const entries = defined(body);
  await write('{\n');
  for (const [i, [key, value]] of entries.entries()) {
    await write(`  ${JSON.stringify(key)}: `);
    await writeValue(write, key, value, 1);
    await write(`${i < entries.length - 1 ? ',' : ''}\n`);
  }
  await write('}\n');
  await out.end();
}

/** report.json: the run model plus its summary (and the residue scan's counts), for tools that read results. */
export function createJsonReporter(context: ReporterContext): Reporter {
  return {
    name: 'json',
    async onRunEnd(run: RunModel) {
      const file = join(context.outputDir, 'report.json');
      const flaky = [...findFlaky(run, context.history ?? []).values()];
      const residue = run.residueScan && { complete: run.residueScan.complete, ...residueCounts(run.residueScan) };
      await writeReport(file, { version: JSON_REPORT_VERSION, summary: summarize(run), flaky, ...(residue && { residue }), run });
      return [file];
    },
  };
}

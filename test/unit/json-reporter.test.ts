import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { findFlaky } from '../../harness/model/flaky.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { summarize } from '../../harness/model/summary.js';
import { createJsonReporter, JSON_REPORT_VERSION } from '../../reporters/json.js';
import { catalogueRun } from '../fixtures/runs/catalogue.js';
import { syntheticRun } from '../fixtures/runs/synthetic.js';
import { tempDir } from '../support/tmp.js';

/** report.json is written attempt by attempt, and reads exactly as one JSON.stringify(body, null, 2). */
describe('json reporter', () => {
  for (const [name, run] of [['catalogue', catalogueRun('current')], ['synthetic with skipped attempts', syntheticRun({ attempts: 300, hosts: 6, repeats: 3 })], ['empty', { ...catalogueRun('current'), attempts: [] }]] as [string, RunModel][]) {
    it(`writes the same text as JSON.stringify would: ${name}`, async () => {
      await using dir = await tempDir('chaoslab-json-');
      await createJsonReporter({ outputDir: dir.path, reportsRoot: dir.path, stdout: new PassThrough() }).onRunEnd?.(run);
      const expected = { version: JSON_REPORT_VERSION, summary: summarize(run), flaky: [...findFlaky(run, []).values()], run };
      expect(readFileSync(join(dir.path, 'report.json'), 'utf8')).toBe(`${JSON.stringify(expected, null, 2)}\n`);
    });
  }
});

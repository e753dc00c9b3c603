import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { printableHtml } from '../../reporters/pdf.js';
import { printToPdf } from '../../reporters/pdf/chromium.js';
import { tempDir } from '../support/tmp.js';

/**
 * The recorded catalogue run printed to PDF by Debian's Chromium and read back
 * with pdftotext (poppler-utils): the scenario list is on paper, and the
 * timeline prints open (its hosts and time axis), not as a collapsed heading.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures/runs');

function pdfText(path: string): string {
  const result = spawnSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pdftotext failed: ${result.stderr}`);
  return result.stdout;
}

let dir: Awaited<ReturnType<typeof tempDir>>;
let run: RunModel;
let text: string;

beforeAll(async () => {
  dir = await tempDir('chaoslab-pdf-print-');
  run = await foldLogFile(join(FIXTURES, 'catalogue-16/events.jsonl'));
  const baseline = await foldLogFile(join(FIXTURES, 'catalogue-16-baseline/events.jsonl'));
  const file = join(dir.path, 'scorecard.pdf');
  await printToPdf(printableHtml(run, { baseline, history: [baseline] }), file, { executablePath: '/usr/bin/chromium', footer: `chaoslab run ${run.runId}` });
  text = pdfText(file);
});

afterAll(async () => {
  await dir?.[Symbol.asyncDispose]();
});

describe('PDF scorecard on paper', () => {
  it('prints the scenario list: every scenario with its verdicts and passed count', () => {
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Scenarios (16)');
    const list = flat.slice(flat.indexOf('Scenarios (16)'), flat.indexOf('Evidence per attempt'));
    for (const id of new Set(run.attempts.map((a) => a.scenarioId))) expect(list).toContain(id);
    expect(list).toMatch(/win-ws-firewall .*? false_heal 0\/1 passed/);
    expect(list.indexOf('lin-ip-forward')).toBeLessThan(list.indexOf('lin-audit'));
  });

  it('prints the timeline open: its hint, host lanes and time axis, not only its heading', () => {
    const flat = text.replace(/\s+/g, ' ');
    const at = flat.indexOf('Timeline per host (5 hosts)');
    expect(at).toBeGreaterThanOrEqual(0);
    const timeline = flat.slice(at, at + 1500);
    expect(timeline).toContain('Each bar is an attempt on the run\'s clock');
    for (const label of ['10m', '30m', '60m']) expect(timeline).toContain(label);
    for (const host of ['lab-dc-1', 'lab-lin-1', 'lab-lin-2', 'lab-srv-1', 'lab-ws-1']) expect(timeline).toContain(host);
  });

  it('prints the claim beside the end-of-window ground truth in the evidence', () => {
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('claim vs ground truth: claimed healed at 2m20s; last check before revert at 9m after injection: drifted (exit 1)');
  });
});

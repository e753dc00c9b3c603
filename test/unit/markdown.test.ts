import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import { renderMarkdown, mdCell } from '../../reporters/markdown.js';
import { catalogueRun } from '../fixtures/runs/catalogue.js';
import { syntheticRun } from '../fixtures/runs/synthetic.js';

/** Durations like 6m20s, 2.8s, 420ms become ‹t›: snapshots hold the structure and the verdicts, not the clock. */
const maskTimes = (text: string) => text.replace(/\b\d+(?:\.\d+)?(?:ms|s|m|h)(?:\d+s)?\b/g, '‹t›');

describe('markdown reporter', () => {
  const current = catalogueRun('current');
  const baseline = catalogueRun('baseline');

  it('matches the stored summary of the catalogue run (times masked)', async () => {
    const text = maskTimes(renderMarkdown(current, { baseline, history: [baseline] }));
    await expect(text).toMatchFileSnapshot('__snapshots__/markdown-catalogue-16.md');
  });

  it('renders the recorded events.jsonl exactly like the run it was recorded from (the fixture is current)', async () => {
    const recorded = await foldLogFile(join(import.meta.dirname, '../fixtures/runs/catalogue-16/events.jsonl'));
    const recordedBaseline = await foldLogFile(join(import.meta.dirname, '../fixtures/runs/catalogue-16-baseline/events.jsonl'));
    expect(renderMarkdown(recorded, { baseline: recordedBaseline })).toBe(renderMarkdown(current, { baseline }));
  });

  it('leads with the headline and the whole funnel', () => {
    const lines = renderMarkdown(current).split('\n');
    expect(lines[0]).toBe('## chaoslab: 10/14 passed (71%) — Linux 6/8, Windows 4/6');
    expect(lines).toContain('**Funnel:** injected 16 → drift confirmed 15 → detected 15 → claimed 13 → restored 12 → stayed restored 11');
  });

  it('keeps lab failures apart from healer failures', () => {
    const text = renderMarkdown(current);
    const failures = text.slice(text.indexOf('### Failed expectations'), text.indexOf('### Inconclusive'));
    expect(failures).not.toContain('win-dc-firewall');
    expect(text.slice(text.indexOf('### Inconclusive'))).toContain('| win-dc-firewall | lab-dc-1 | inconclusive | transport_lost |');
  });

  it('omits the baseline section without a baseline', () => {
    expect(renderMarkdown(current)).not.toContain('Change vs baseline');
  });

  it('escapes table cells', () => {
    expect(mdCell('a|b <script>\nnext')).toBe('a\\|b &lt;script> next');
  });

  it('stays small for a 10,000-attempt run: tables are capped, long lists folded into <details>', () => {
    const text = renderMarkdown(syntheticRun({ attempts: 10_000, hosts: 200, repeats: 2 }));
    expect(Buffer.byteLength(text)).toBeLessThan(64 * 1024);
    expect(text).toMatch(/…and \d+ more \(see the HTML scorecard\)\./);
    expect(text).toMatch(/<details><summary><strong>Flaky \(\d+\)<\/strong><\/summary>\n\n\| Scenario/);
    expect(text).toMatch(/<details><summary><strong>Failed expectations \(\d+\)<\/strong><\/summary>/);
  });
});

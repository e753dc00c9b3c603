import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import { renderHtml } from '../../reporters/html.js';
import { tempDir } from '../support/tmp.js';

/**
 * axe-core (the accessibility engine browsers' audit tools use) run inside the
 * scorecard in Debian's Chromium, light and dark: no critical or serious
 * violation with a drill-down open, the timeline open and every fold open;
 * headings never skip a level.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures/runs');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface Violation { id: string; impact: string; help: string; nodes: { target: string[] }[] }

let browser: Browser;
let dir: Awaited<ReturnType<typeof tempDir>>;
let url: string;

beforeAll(async () => {
  dir = await tempDir('chaoslab-html-a11y-');
  const current = await foldLogFile(join(FIXTURES, 'catalogue-16/events.jsonl'));
  const baseline = await foldLogFile(join(FIXTURES, 'catalogue-16-baseline/events.jsonl'));
  const bundled = { ...current, attempts: current.attempts.map((a) => (a.scenarioId.startsWith('lin-') ? { ...a, bundleId: 'lin-cascade' } : a)) };
  const file = join(dir.path, 'index.html');
  writeFileSync(file, renderHtml(bundled, { baseline, history: [baseline] }));
  url = pathToFileURL(file).href;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await dir?.[Symbol.asyncDispose]();
});

/** Opens a failed attempt by its deep link, then the timeline and every other fold, and runs axe over the whole page. */
async function audit(colorScheme: 'light' | 'dark', viewport: { width: number; height: number }): Promise<{ page: Page; violations: Violation[] }> {
  const context = await browser.newContext({ viewport, colorScheme, reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.goto(`${url}#attempt=a010`);
  await page.waitForSelector('html[data-landed]');
  await page.locator('#timeline > summary').click();
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { (d as HTMLDetailsElement).open = true; }));
  await page.locator('details.attempt[open] .evidence dl').first().waitFor();
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return { page, violations };
}

const byImpact = (violations: Violation[]) => {
  const counts: Record<string, number> = {};
  for (const v of violations) counts[v.impact] = (counts[v.impact] ?? 0) + v.nodes.length;
  return counts;
};

describe('HTML scorecard accessibility (axe-core)', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
      it(`has no critical or serious axe violation in ${colorScheme} mode at ${viewport.width} px, drill-down and timeline open`, async () => {
        const { page, violations } = await audit(colorScheme, viewport);
        const severe = violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
        console.log(`axe ${colorScheme} ${viewport.width}px:`, JSON.stringify(byImpact(violations)), violations.map((v) => `${v.impact} ${v.id} ×${v.nodes.length}`).join('; '));
        expect(severe).toEqual([]);
        await page.context().close();
      });
    }
  }

  it('never skips a heading level (no h2 → h4), with a drill-down open', async () => {
    const { page } = await audit('light', { width: 1440, height: 900 });
    const levels = await page.evaluate(() => Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6')).filter((h) => (h as HTMLElement).offsetParent !== null || h.closest('summary')).map((h) => Number(h.tagName[1])));
    expect(levels.length).toBeGreaterThan(10);
    const jumps = levels.flatMap((level, i) => (i > 0 && level > levels[i - 1]! + 1 ? [`h${levels[i - 1]} → h${level}`] : []));
    expect(jumps).toEqual([]);
    await page.context().close();
  });
});

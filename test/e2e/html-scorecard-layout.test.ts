import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { renderHtml } from '../../reporters/html.js';
import { syntheticRun } from '../fixtures/runs/synthetic.js';
import { openScorecard } from '../support/scorecard-page.js';
import { tempDir } from '../support/tmp.js';

/**
 * Where the page puts the reader, in Debian's Chromium: a deep link
 * (#attempt=<id>) lands with the attempt in view on every fresh load, and an
 * opened drill-down fits a phone's column (wide tables scroll in their own
 * focusable region instead of being cut off).
 */
const FIXTURES = join(import.meta.dirname, '../fixtures/runs');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
const LOADS = 20;

let browser: Browser;
let dir: Awaited<ReturnType<typeof tempDir>>;
let catalogueUrl: string;
let largeUrl: string;
let large: RunModel;
let current: RunModel;

beforeAll(async () => {
  dir = await tempDir('chaoslab-html-layout-');
  current = await foldLogFile(join(FIXTURES, 'catalogue-16/events.jsonl'));
  const baseline = await foldLogFile(join(FIXTURES, 'catalogue-16-baseline/events.jsonl'));
  const file = join(dir.path, 'index.html');
  writeFileSync(file, renderHtml(current, { baseline, history: [baseline] }));
  catalogueUrl = pathToFileURL(file).href;
  large = syntheticRun({ attempts: 1700, hosts: 6, seed: 11 });
  const largeFile = join(dir.path, 'large.html');
  writeFileSync(largeFile, renderHtml(large));
  largeUrl = pathToFileURL(largeFile).href;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await dir?.[Symbol.asyncDispose]();
});

function open(address: string, viewport: { width: number; height: number }): Promise<{ page: Page; errors: string[] }> {
  return openScorecard(browser, address, { viewport });
}

/** The page says when it has put a deep-linked attempt in place (after its drill-down, lazy cards and fonts settled). */
const landed = (page: Page) => page.waitForSelector('html[data-landed]');

/** 20 links: every attempt of the catalogue run, then attempts spread over a 1,700-attempt run (deep in its list). */
function deepLinks(): string[] {
  const catalogue = current.attempts.map((a) => `${catalogueUrl}#attempt=${encodeURIComponent(a.attemptId)}`);
  const rest = LOADS - catalogue.length;
  const spread = Array.from({ length: rest }, (_, i) => large.attempts[Math.floor(((i + 1) * large.attempts.length) / (rest + 1))]!);
  return [...catalogue, ...spread.map((a) => `${largeUrl}#attempt=${encodeURIComponent(a.attemptId)}`)].slice(0, LOADS);
}

describe('HTML scorecard layout', () => {
  for (const viewport of [PHONE, DESKTOP]) {
    it(`lands a deep link with the attempt in view on ${LOADS}/${LOADS} fresh loads at ${viewport.width}×${viewport.height}`, async () => {
      const links = deepLinks();
      expect(links).toHaveLength(LOADS);
      const missed: string[] = [];
      for (const link of links) {
        const { page, errors } = await open(link, viewport);
        await landed(page);
        const id = decodeURIComponent(link.split('#attempt=')[1]!);
        const summary = page.locator(`details.attempt[open][data-attempt-id="${id}"] > summary`);
        expect(await summary.count(), id).toBe(1);
        const box = await summary.boundingBox();
        const inView = box !== null && box.y + box.height > 0 && box.y < viewport.height && box.x + box.width > 0 && box.x < viewport.width;
        if (!inView) missed.push(`${id}: ${JSON.stringify(box)}`);
        expect(errors).toEqual([]);
        await page.context().close();
      }
      expect(missed).toEqual([]);
    });
  }

  it('fits an opened drill-down in a 390 px column: nothing overflows unless it scrolls in a focusable region', async () => {
    const failed = current.attempts.filter((a) => !a.passed).map((a) => a.attemptId);
    expect(failed.length).toBeGreaterThan(2);
    for (const id of failed) {
      const { page } = await open(`${catalogueUrl}#attempt=${id}`, PHONE);
      await landed(page);
      await page.evaluate(() => document.querySelectorAll('details.attempt[open] details').forEach((d) => { (d as HTMLDetailsElement).open = true; }));
      const report = await page.evaluate(() => {
        const evidence = document.querySelector('details.attempt[open] .evidence')!;
        const column = evidence.getBoundingClientRect();
        const out: string[] = [];
        const scrolls = (el: Element) => { const s = getComputedStyle(el); return s.overflowX === 'auto' || s.overflowX === 'scroll'; };
        for (const el of [evidence, ...Array.from(evidence.querySelectorAll('*'))]) {
          if (el.closest('svg') && el.tagName !== 'svg') continue;
          // a stacked table's header row is hidden visually (kept for screen readers): it takes no room
          if (el.closest('table.stack thead') && getComputedStyle(el.closest('thead')!).position === 'absolute') continue;
          const region = el.parentElement?.closest('.evidence [tabindex="0"], .evidence pre, .evidence code.rerun');
          const box = el.getBoundingClientRect();
          // inside a region that scrolls (and can take focus), it may be wider than the column
          if (region && region !== el && evidence.contains(region) && scrolls(region)) continue;
          const describe = `${el.tagName.toLowerCase()}.${Array.from(el.classList).join('.')}`;
          if (box.right > column.right + 0.5 || box.left < column.left - 0.5) out.push(`${describe} spans ${Math.round(box.left)}–${Math.round(box.right)} in a column ${Math.round(column.left)}–${Math.round(column.right)}`);
          if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
            const focusable = el.getAttribute('tabindex') === '0' || el.tagName === 'PRE' || el.matches('code.rerun');
            if (!scrolls(el) || (!focusable && el.tagName !== 'PRE')) out.push(`${describe} clips: scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
          }
        }
        return { out, column: column.width, viewport: window.innerWidth, page: document.documentElement.scrollWidth };
      });
      expect(report.out, id).toEqual([]);
      expect(report.page, `${id}: the page itself scrolls sideways`).toBeLessThanOrEqual(report.viewport);
      await page.context().close();
    }
  });
});

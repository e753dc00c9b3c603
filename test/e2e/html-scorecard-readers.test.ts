import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { VERDICT_KINDS } from '../../harness/model/verdict.js';
import { renderHtml } from '../../reporters/html.js';
import { syntheticRun } from '../fixtures/runs/synthetic.js';
import { openScorecard } from '../support/scorecard-page.js';
import { tempDir } from '../support/tmp.js';

/**
 * The scorecard as last night's reader uses it, in Debian's Chromium: the state
 * of the run at the top, the failures above the fold, links that reopen a view,
 * the rerun command, words that never break, colours that can be read.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures/runs');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

let browser: Browser;
let dir: Awaited<ReturnType<typeof tempDir>>;
let current: RunModel;
const urls: Record<string, string> = {};

function write(name: string, html: string): void {
  const file = join(dir.path, `${name}.html`);
  writeFileSync(file, html);
  urls[name] = pathToFileURL(file).href;
}

beforeAll(async () => {
  dir = await tempDir('chaoslab-html-readers-');
  current = await foldLogFile(join(FIXTURES, 'catalogue-16/events.jsonl'));
  const baseline = await foldLogFile(join(FIXTURES, 'catalogue-16-baseline/events.jsonl'));
  write('catalogue', renderHtml(current, { baseline, history: [baseline] }));
  const passing = { ...current, attempts: current.attempts.filter((a) => a.passed), exitCode: 0 };
  write('passing', renderHtml(passing));
  write('gated', renderHtml(passing, { judgement: { exitCode: 1, failedGates: [{ gate: 'min_heal_rate', message: 'heal rate 71.4% (10/14) is below 80%' }] } }));
  write('bundled', renderHtml({ ...current, attempts: current.attempts.map((a) => (a.scenarioId === 'lin-audit' ? { ...a, bundleId: 'cascade-1' } : a)) }));
  write('large', renderHtml(syntheticRun({ attempts: 10_000, hosts: 200, repeats: 2 })));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await dir?.[Symbol.asyncDispose]();
});

function open(address: string, viewport = { width: 1400, height: 900 }, colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; errors: string[] }> {
  return openScorecard(browser, address, { viewport, colorScheme, clipboard: true });
}

const openAttempt = (page: Page, id: string) => page.locator(`details.attempt[open] .evidence dl`).filter({ hasText: id });

describe('HTML scorecard for its readers', () => {
  it('states whether the run passed, in colour and words, with the exit code and the failed gates', async () => {
    const failed = await open(urls.catalogue!);
    const state = failed.page.locator('#run-state');
    expect(await state.textContent()).toBe('FAILED · exit 1 (an expectation or a gate failed) · 4 expectations not met');
    const colours = await state.evaluate((el) => ({ text: getComputedStyle(el).color, bad: getComputedStyle(document.documentElement).getPropertyValue('--bad').trim() }));
    expect(colours.text).toBe(hexToRgb(colours.bad));
    await failed.page.context().close();

    const passed = await open(urls.passing!);
    expect(await passed.page.locator('#headline').textContent()).toBe('10/10 passed (100%) — Linux 6/6, Windows 4/4');
    expect(await passed.page.locator('#run-state').textContent()).toBe('PASSED · exit 0 (every expectation met and every gate passed)');
    expect(await passed.page.locator('#attention').textContent()).toContain('Needs attention: nothing');
    await passed.page.context().close();

    const gated = await open(urls.gated!);
    expect(await gated.page.locator('#run-state').textContent()).toBe('FAILED · exit 1 (an expectation or a gate failed)');
    expect(await gated.page.locator('.gates li').allTextContents()).toEqual(['gate min_heal_rate: heal rate 71.4% (10/14) is below 80%']);
    await gated.page.context().close();
  });

  for (const viewport of [{ width: 1400, height: 900 }, { width: 420, height: 900 }]) {
    it(`shows the failures card above the fold at ${viewport.width}×${viewport.height}, even for 10,000 attempts`, async () => {
      for (const name of ['catalogue', 'large']) {
        const { page } = await open(urls[name]!, viewport);
        const firstFailure = await page.locator('#attention .att-list li').first().boundingBox();
        expect(firstFailure, name).not.toBeNull();
        expect(firstFailure!.y + firstFailure!.height, `${name}: first failure's bottom`).toBeLessThanOrEqual(viewport.height);
        await page.context().close();
      }
    });
  }

  it('lists regressions, failures and known gaps apart, each with its cause, and a link that opens its evidence', async () => {
    const { page, errors } = await open(urls.catalogue!);
    expect(await page.locator('#attention h3').allTextContents()).toEqual([
      'Regressions (2) passed in the baseline run, fail now',
      'Failed expectations (2) not a known gap',
    ]);
    const dns = page.locator('#attention li').filter({ hasText: 'win-dc-dns' });
    expect(await dns.locator('.cause').textContent()).toBe('detected at 55s, no claim in 9m');
    await dns.locator('a').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#attempt=a012');
    const evidence = openAttempt(page, 'a012');
    await evidence.waitFor();
    expect(await evidence.locator('dd.cause').textContent()).toBe('detected at 55s, no claim in 9m');
    const box = await evidence.boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeLessThan(900);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('keeps filters, search and the open attempt in the URL, and a copied link reopens the same view', async () => {
    const first = await open(urls.catalogue!);
    await first.page.click('button[data-filter="platform"][data-value="windows"]');
    await first.page.fill('#search', 'firewall');
    const row = first.page.locator('details.scenario[data-scenario="win-ws-firewall"]');
    await row.locator('summary').click();
    await row.locator('details.attempt > summary').click();
    await openAttempt(first.page, 'a010').waitFor();
    // A filter toggle must not close what the reader opened.
    await first.page.click('button[data-filter="verdict"][data-value="false_heal"]');
    await openAttempt(first.page, 'a010').waitFor();
    const hash = new URL(first.page.url()).hash;
    expect(hash).toBe('#verdict=false_heal&platform=windows&q=firewall&attempt=a010');
    await first.page.locator('details.attempt[open] button[data-copy="link"]').click();
    const copied = await first.page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(`${urls.catalogue}#attempt=a010`);
    await first.page.context().close();

    const again = await open(`${urls.catalogue}${hash}`);
    expect(await again.page.locator('button[data-filter="platform"][data-value="windows"]').getAttribute('aria-pressed')).toBe('true');
    expect(await again.page.locator('button[data-filter="verdict"][data-value="false_heal"]').getAttribute('aria-pressed')).toBe('true');
    expect(await again.page.inputValue('#search')).toBe('firewall');
    await openAttempt(again.page, 'a010').waitFor();
    expect(await again.page.locator('#scenario-list details.scenario').count()).toBe(1);
    expect(again.errors).toEqual([]);
    await again.page.context().close();
  });

  it('copies the rerun command: the run\'s own command line narrowed to the attempt\'s scenario and pinned to its host', async () => {
    const { page } = await open(`${urls.catalogue}#attempt=a012`);
    const evidence = openAttempt(page, 'a012');
    await evidence.waitFor();
    const expected = 'chaoslab run --suite catalogue-16 --lab lab/nightly.yaml --host lab-dc-1 win-dc-dns';
    expect(current.argv).toEqual(['run', '--suite', 'catalogue-16', '--lab', 'lab/nightly.yaml']);
    expect(await evidence.locator('code.rerun').textContent()).toBe(expected);
    await evidence.locator('button[data-copy="rerun"]').click();
    await expect.poll(() => evidence.locator('button[data-copy="rerun"]').textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(expected);
    await page.context().close();
  });

  it('breaks no word inside a table cell at 420 px (tables stack; long outputs scroll or fold)', async () => {
    const { page } = await open(`${urls.catalogue}#attempt=a010`, { width: 420, height: 900 });
    await openAttempt(page, 'a010').waitFor();
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { (d as HTMLDetailsElement).open = true; }));
    const broken = await page.evaluate(() => {
      const found: string[] = [];
      for (const cell of Array.from(document.querySelectorAll('td, th'))) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (node.parentElement?.closest('pre, svg')) continue;
          for (const match of (node.textContent ?? '').matchAll(/\S+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index!);
            range.setEnd(node, match.index! + match[0].length);
            const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
            if (tops.size > 1) found.push(match[0]);
          }
        }
      }
      return found;
    });
    expect(await page.locator('td, th').count()).toBeGreaterThan(50);
    expect(broken).toEqual([]);
    await page.context().close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`gives every verdict colour at least WCAG AA contrast (4.5:1) in ${scheme} mode, on cards, the page and pressed chips`, async () => {
      const { page } = await open(urls.catalogue!, undefined, scheme);
      const ratios = await page.evaluate((kinds) => {
        // Chromium gives rgb(…) for plain colours and color(srgb 0..1 …) for color-mix().
        const rgb = (text: string) => text.match(/[\d.]+/g)!.slice(0, 3).map((v) => (text.startsWith('color(') ? Number(v) * 255 : Number(v)));
        const luminance = (c: number[]) => {
          const [r, g, b] = c.map((v) => { const s = v / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
          return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
        };
        const ratio = (a: number[], b: number[]) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x! + 0.05) / (y! + 0.05); };
        const card = document.querySelector('.card')!;
        const out: Record<string, number> = {};
        for (const kind of kinds) {
          const badge = document.createElement('span');
          badge.className = `badge v-${kind}`;
          badge.textContent = kind;
          card.appendChild(badge);
          const chip = document.createElement('button');
          chip.className = `chip v-${kind}`;
          chip.setAttribute('aria-pressed', 'true');
          card.appendChild(chip);
          const fg = rgb(getComputedStyle(badge).color);
          out[`${kind} on card`] = ratio(fg, rgb(getComputedStyle(card).backgroundColor));
          out[`${kind} on page`] = ratio(fg, rgb(getComputedStyle(document.body).backgroundColor));
          // A pressed chip's background is a tint of its own colour over the card.
          out[`${kind} on pressed chip`] = ratio(rgb(getComputedStyle(chip).color), rgb(getComputedStyle(chip).backgroundColor));
        }
        return out;
      }, VERDICT_KINDS as string[]);
      expect(Object.keys(ratios)).toHaveLength(VERDICT_KINDS.length * 3);
      const low = Object.entries(ratios).filter(([, r]) => r < 4.5).map(([k, r]) => `${k} ${r.toFixed(2)}:1`);
      expect(low).toEqual([]);
      await page.context().close();
    });
  }

  it('draws a timeline per host on a time axis, whose bars open their evidence', async () => {
    const { page, errors } = await open(urls.catalogue!);
    await page.locator('#timeline > summary').click();
    expect(await page.locator('#timeline .t-host').allTextContents()).toEqual(['lab-dc-1', 'lab-lin-1', 'lab-lin-2', 'lab-srv-1', 'lab-ws-1']);
    expect(await page.locator('#timeline .t-labels span').allTextContents()).toEqual(['0ms', '10m', '20m', '30m', '40m', '50m', '60m']);
    expect(await page.locator('#timeline .t-bar.failed').count()).toBe(4);
    await page.locator('#timeline a[href="#attempt=a010"]').click();
    await openAttempt(page, 'a010').waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('moves between rows with the arrow keys, and between the chips of a filter group', async () => {
    const { page } = await open(urls.catalogue!);
    const summaries = page.locator('#scenario-list details.scenario > summary');
    await summaries.first().focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.parentElement?.getAttribute('data-index'))).toBe('1');
    await page.keyboard.press('End');
    expect(await page.evaluate(() => document.activeElement?.parentElement?.getAttribute('data-index'))).toBe('15');
    await page.focus('button[data-filter="verdict"][data-value="healed"]');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-value'))).toBe('healed_late');
    await page.keyboard.press('Enter');
    expect(await page.locator('button[data-value="healed_late"]').getAttribute('aria-pressed')).toBe('true');
    await page.context().close();
  });

  it('finds attempts by bundle, runbook and attempt id, and sorts failing scenarios first', async () => {
    const { page } = await open(urls.catalogue!);
    const ids = () => page.locator('#scenario-list details.scenario').evaluateAll((els) => els.map((e) => e.getAttribute('data-scenario')));
    expect((await ids()).slice(0, 4)).toEqual(['lin-ip-forward', 'lin-ssh-password-auth', 'win-dc-dns', 'win-ws-firewall']);
    await page.fill('#search', 'a013');
    expect(await ids()).toEqual(['win-dc-smb-signing']);
    await page.fill('#search', 'RB-WIN-DEF-002');
    expect(await ids()).toEqual(['win-dc-smb-signing']);
    await page.context().close();

    const bundled = await open(urls.bundled!);
    await bundled.page.fill('#search', 'cascade-1');
    const row = bundled.page.locator('#scenario-list details.scenario');
    expect(await row.evaluateAll((els) => els.map((e) => e.getAttribute('data-scenario')))).toEqual(['lin-audit']);
    await row.locator('summary').click();
    expect(await row.locator('details.attempt .bundle').textContent()).toBe('bundle cascade-1');
    await bundled.page.context().close();
  });
});

function hexToRgb(hex: string): string {
  const n = Number.parseInt(hex.replace('#', ''), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

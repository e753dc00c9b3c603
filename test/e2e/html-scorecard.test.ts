import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import { renderHtml } from '../../reporters/html.js';
import { syntheticRun } from '../fixtures/runs/synthetic.js';
import { decodePng, diffRatio } from '../screenshots/png-diff.js';
import { tempDir } from '../support/tmp.js';

/**
 * The HTML scorecard of the recorded catalogue run, opened in Debian's Chromium.
 * Stored reference screenshots live in test/screenshots/; regenerate them with
 * UPDATE_SCREENSHOTS=1 after an intended change to the page.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures/runs');
const SCREENSHOTS = join(import.meta.dirname, '../screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

let browser: Browser;
let dir: Awaited<ReturnType<typeof tempDir>>;
let url: string;
let compressedUrl: string;
let largeUrl: string;
let hostileUrl: string;

beforeAll(async () => {
  dir = await tempDir('chaoslab-html-');
  const current = await foldLogFile(join(FIXTURES, 'catalogue-16/events.jsonl'));
  const baseline = await foldLogFile(join(FIXTURES, 'catalogue-16-baseline/events.jsonl'));
  const file = join(dir.path, 'index.html');
  writeFileSync(file, renderHtml(current, { baseline, history: [baseline] }));
  url = pathToFileURL(file).href;
  const compressed = join(dir.path, 'compressed.html');
  writeFileSync(compressed, renderHtml(current, { baseline, history: [baseline], compressAbove: 0 }));
  compressedUrl = pathToFileURL(compressed).href;
  const large = join(dir.path, 'large.html');
  writeFileSync(large, renderHtml(syntheticRun({ attempts: 1700, hosts: 2, seed: 5 })));
  largeUrl = pathToFileURL(large).href;
  const first = current.attempts[0]!;
  const hostileRun = {
    ...current,
    attempts: [{ ...first, title: '<img src=x onerror="document.title=\'pwned\'">', commands: [{ ...first.commands[0]!, stdout: '</script><script>document.title="pwned"</script><!--' }] }, ...current.attempts.slice(1)],
  };
  const hostile = join(dir.path, 'hostile.html');
  writeFileSync(hostile, renderHtml(hostileRun));
  hostileUrl = pathToFileURL(hostile).href;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await dir?.[Symbol.asyncDispose]();
});

interface Opened { page: Page; requests: string[]; errors: string[] }

async function open(viewport = { width: 1280, height: 900 }, colorScheme: 'light' | 'dark' = 'light', address = url): Promise<Opened> {
  const context = await browser.newContext({ viewport, colorScheme, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text()); });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(address);
  await page.waitForSelector('html[data-ready="true"]');
  return { page, requests, errors };
}

const rows = (page: Page) => page.locator('#scenario-list > details.scenario');

async function compareScreenshot(page: Page, name: string): Promise<void> {
  const actual = await page.screenshot({ mask: [page.locator('.meta')], animations: 'disabled' });
  const stored = join(SCREENSHOTS, name);
  if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(stored)) {
    writeFileSync(stored, actual);
    if (process.env.UPDATE_SCREENSHOTS !== '1') throw new Error(`no stored screenshot ${stored}: wrote it; check it in and run again`);
    return;
  }
  const ratio = diffRatio(decodePng(readFileSync(stored)), decodePng(actual));
  if (ratio > 0.01) {
    mkdirSync('test-results', { recursive: true });
    writeFileSync(join('test-results', `actual-${name}`), actual);
  }
  expect(ratio, `${name}: ${(ratio * 100).toFixed(2)}% of pixels differ (actual in test-results/)`).toBeLessThanOrEqual(0.01);
}

describe('HTML scorecard in Chromium', () => {
  it('shows the headline, funnel and lab problems apart, with no network and no console errors', async () => {
    const { page, requests, errors } = await open();
    expect(await page.locator('#headline').textContent()).toBe('10/14 passed (71%) — Linux 6/8, Windows 4/6');
    expect(await page.locator('.funnel .f-count').allTextContents()).toEqual(['16', '15', '15', '13', '12', '11']);
    expect(await page.locator('#inconclusive tbody tr').count()).toBe(2);
    expect(await page.locator('#inconclusive').textContent()).toContain('transport_lost');
    expect(await page.locator('#baseline').textContent()).toMatch(/Regressions \(2\)[\s\S]*lin-ip-forward@lab-lin-1/);
    expect(await rows(page).count()).toBe(16);
    expect(await page.locator('#match-count').textContent()).toBe('16 of 16 scenarios, 16 of 16 attempts shown');
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.context().close();
  });

  it('filters rows by verdict, platform and tag, and searches', async () => {
    const { page, errors } = await open();
    await page.click('button[data-filter="verdict"][data-value="inconclusive"]');
    expect(await rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-scenario')))).toEqual(['win-dc-firewall', 'win-ws-network-profile']);
    await page.click('button[data-filter="platform"][data-value="linux"]');
    expect(await rows(page).count()).toBe(0);
    await page.click('button[data-filter="verdict"][data-value="inconclusive"]');
    expect(await page.locator('button[data-value="inconclusive"]').getAttribute('aria-pressed')).toBe('false');
    expect(await rows(page).count()).toBe(8);
    await page.click('#clear-filters');
    await page.selectOption('#tag-filter', 'ssh');
    expect(await rows(page).count()).toBe(2);
    await page.click('#clear-filters');
    await page.fill('#search', 'lab-lin-2');
    expect(await rows(page).count()).toBe(4);
    await page.fill('#search', 'DNS');
    expect(await rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-scenario')))).toEqual(['win-dc-dns']);
    expect(await page.locator('#match-count').textContent()).toBe('1 of 16 scenarios, 1 of 16 attempts shown');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('drills down to the evidence: commands, outputs, healer and rejected events, before/after checks', async () => {
    const { page, errors } = await open();
    const row = page.locator('details.scenario[data-scenario="win-ws-firewall"]');
    await row.locator('summary').click();
    await row.locator('details.attempt > summary').click();
    await row.locator('.evidence dl').waitFor();
    const evidence = row.locator('.evidence');
    const text = await evidence.textContent();
    expect(text).toContain('false_heal (claimed 2m20s, host still drifted)');
    expect(text).toContain('Set-NetFirewallProfile -Profile Domain,Private,Public -Enabled False');
    expect(text).toContain('claimed_healed');
    expect(text).toContain('heal reported for lab-ws-2, not lab-ws-1');
    expect(await evidence.locator('table').nth(1).textContent()).toMatch(/t\+0msdrifted/);
    expect(await row.locator('svg.phases rect').count()).toBe(7);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('reads gzip-compressed data blocks (how large runs are embedded) the same way', async () => {
    const { page, requests, errors } = await open(undefined, undefined, compressedUrl);
    expect(await page.locator('#chaoslab-data').getAttribute('data-encoding')).toBe('gzip-base64');
    expect(await rows(page).count()).toBe(16);
    const row = page.locator('details.scenario[data-scenario="win-ws-firewall"]');
    await row.locator('summary').click();
    await row.locator('details.attempt > summary').click();
    await row.locator('.evidence dl').waitFor();
    expect(await row.locator('.evidence').textContent()).toContain('heal reported for lab-ws-2, not lab-ws-1');
    expect(errors).toEqual([]);
    expect(requests).toEqual([compressedUrl]);
    await page.context().close();
  });

  it('pages long attempt lists of a large run', async () => {
    const { page, errors } = await open(undefined, undefined, largeUrl);
    expect(await page.locator('#match-count').textContent()).toBe('16 of 16 scenarios, 1700 of 1700 attempts shown');
    const row = rows(page).first();
    await row.locator('summary').click();
    await expect.poll(() => row.locator('details.attempt').count()).toBe(100);
    const more = row.locator('button.more-attempts');
    const left = Number(/\((\d+) left\)/.exec((await more.textContent()) ?? '')?.[1]);
    expect(left).toBeGreaterThan(0);
    await more.click();
    await expect.poll(() => row.locator('details.attempt').count()).toBe(100 + Math.min(100, left));
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('shows hostile titles and outputs as text: nothing they contain runs', async () => {
    const { page, errors, requests } = await open(undefined, undefined, hostileUrl);
    const row = rows(page).filter({ hasText: '<img src=x' });
    await row.locator('summary').click();
    await row.locator('details.attempt > summary').click();
    await row.locator('.evidence dl').waitFor();
    expect(await row.locator('.evidence').textContent()).toContain('</script><script>document.title="pwned"</script><!--');
    expect(await page.title()).not.toContain('pwned');
    expect(await page.locator('img').count()).toBe(0);
    expect(errors).toEqual([]);
    expect(requests).toEqual([hostileUrl]);
    await page.context().close();
  });

  it('works from the keyboard: buttons toggle, summaries open', async () => {
    const { page } = await open();
    await page.focus('button[data-filter="verdict"][data-value="false_heal"]');
    await page.keyboard.press('Space');
    expect(await rows(page).count()).toBe(1);
    await page.focus('#scenario-list details.scenario > summary');
    await page.keyboard.press('Enter');
    expect(await page.locator('#scenario-list details.scenario').first().evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await expect.poll(() => page.locator('#scenario-list details.attempt').count()).toBe(1);
    await page.context().close();
  });

  it('follows the dark colour scheme and hides the controls in print', async () => {
    const { page } = await open({ width: 1280, height: 900 }, 'dark');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(13, 17, 23)');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.filters').isVisible()).toBe(false);
    await page.context().close();
  });

  it('looks like the stored screenshots at desktop and phone widths', async () => {
    const desktop = await open({ width: 1280, height: 900 });
    await compareScreenshot(desktop.page, 'scorecard-desktop-1280.png');
    await desktop.page.context().close();
    const phone = await open({ width: 390, height: 844 });
    await compareScreenshot(phone.page, 'scorecard-phone-390.png');
    await phone.page.context().close();
  });
});

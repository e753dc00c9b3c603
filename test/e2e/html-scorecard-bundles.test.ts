import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldLogFile } from '../../harness/events/fold.js';
import { renderHtml } from '../../reporters/html.js';
import { openScorecard } from '../support/scorecard-page.js';
import { tempDir } from '../support/tmp.js';

/**
 * Bundles as a group near the top of the scorecard (the verdict of the whole
 * beside its members) and as a filter of the scenario list; and the claim next
 * to the ground truth at the end of the window in an attempt's evidence.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures/runs');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
// lab-lin-1's four scenarios ran as one bundle (two of them miss), lab-lin-2's four as another (all pass)
const BUNDLES: Record<string, string> = { 'lab-lin-1': 'ssh-hardening', 'lab-lin-2': 'lin2-baseline' };

let browser: Browser;
let dir: Awaited<ReturnType<typeof tempDir>>;
let url: string;
let plainUrl: string;

beforeAll(async () => {
  dir = await tempDir('chaoslab-html-bundles-');
  const current = await foldLogFile(join(FIXTURES, 'catalogue-16/events.jsonl'));
  const bundled = { ...current, attempts: current.attempts.map((a) => (BUNDLES[a.host] ? { ...a, bundleId: BUNDLES[a.host] } : a)) };
  writeFileSync(join(dir.path, 'bundled.html'), renderHtml(bundled));
  writeFileSync(join(dir.path, 'plain.html'), renderHtml(current));
  url = pathToFileURL(join(dir.path, 'bundled.html')).href;
  plainUrl = pathToFileURL(join(dir.path, 'plain.html')).href;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await dir?.[Symbol.asyncDispose]();
});

function open(address: string): Promise<{ page: Page; errors: string[] }> {
  return openScorecard(browser, address);
}

const rowIds = (page: Page) => page.locator('#scenario-list details.scenario').evaluateAll((els) => els.map((e) => e.getAttribute('data-scenario')));

describe('HTML scorecard bundles and ground truth', () => {
  it('shows each bundle\'s verdict as a whole beside its members, right after the attention card, failed bundles first', async () => {
    const { page, errors } = await open(url);
    expect(await page.evaluate(() => document.querySelector('#attention')?.nextElementSibling?.id)).toBe('bundles');
    expect(await page.locator('#bundles-h').textContent()).toBe('Bundles (2, 1 failed as a whole)');
    const items = page.locator('#bundles .bundle-list > li');
    expect(await items.locator('> .whole').allTextContents()).toEqual([
      '2/4 members met their expectation, failed as a whole',
      '4/4 members met their expectation, passed as a whole',
    ]);
    expect(await items.first().locator('> .bundle').textContent()).toBe('bundle ssh-hardening');
    expect(await items.first().locator('.members a').allTextContents()).toEqual(['lin-ssh-root-login', 'lin-ssh-password-auth', 'lin-audit', 'lin-ip-forward']);
    expect(await items.first().locator('.members li').filter({ hasText: 'not met' }).count()).toBe(2);
    const box = await page.locator('#bundles').boundingBox();
    expect(box!.y).toBeLessThan(900 * 2);
    await items.first().locator('.members a', { hasText: 'lin-ip-forward' }).click();
    await page.waitForSelector('html[data-landed]');
    expect(await page.locator('details.attempt[open]').getAttribute('data-attempt-id')).toBe('a007');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('filters the scenario list by bundle, keeps it in the URL, and a link reopens it', async () => {
    const { page, errors } = await open(url);
    await page.selectOption('#bundle-filter', 'ssh-hardening');
    expect((await rowIds(page)).sort()).toEqual(['lin-audit', 'lin-ip-forward', 'lin-ssh-password-auth', 'lin-ssh-root-login']);
    expect(new URL(page.url()).hash).toBe('#bundle=ssh-hardening');
    await page.click('#clear-filters');
    expect(await rowIds(page)).toHaveLength(16);
    expect(await page.inputValue('#bundle-filter')).toBe('');
    await page.context().close();
    const again = await open(`${url}#bundle=lin2-baseline`);
    expect(await again.page.inputValue('#bundle-filter')).toBe('lin2-baseline');
    expect((await rowIds(again.page)).sort()).toEqual(['lin-cron-perms', 'lin-firewall', 'lin-rsyslog', 'lin-suid']);
    expect(errors).toEqual([]);
    expect(again.errors).toEqual([]);
    await again.page.context().close();
  });

  it('has no bundles card nor bundle filter when the run had no bundles', async () => {
    const { page } = await open(plainUrl);
    expect(await page.locator('#bundles').count()).toBe(0);
    expect(await page.locator('#bundle-filter').count()).toBe(0);
    await page.context().close();
  });

  it('puts the claim beside the last ground-truth check before the revert in an attempt\'s evidence', async () => {
    const { page } = await open(`${url}#attempt=a010`);
    await page.waitForSelector('html[data-landed]');
    expect(await page.locator('details.attempt[open] dd.window-check').textContent()).toBe('claimed healed at 2m20s · last check before revert at 9m: drifted (exit 1)');
    await page.context().close();
    const healed = await open(`${url}#attempt=a001`);
    await healed.page.waitForSelector('html[data-landed]');
    expect(await healed.page.locator('details.attempt[open] dd.window-check').textContent()).toBe('claimed healed at 3m50s · last check before revert at 3m52s: compliant (exit 0)');
    await healed.page.context().close();
  });
});

import type { Browser, Page } from 'playwright-core';

export interface ScorecardPageOptions {
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly colorScheme?: 'light' | 'dark';
  /** For tests that copy a rerun command. */
  readonly clipboard?: boolean;
}

/**
 * Opens an HTML scorecard in a fresh browser context and waits until its script
 * says the page is ready; `errors` collects page errors and console errors, which
 * a test expects to stay empty.
 */
export async function openScorecard(browser: Browser, address: string, options: ScorecardPageOptions = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1440, height: 900 }, colorScheme: options.colorScheme ?? 'light', reducedMotion: 'reduce' });
  if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(address);
  await page.waitForSelector('html[data-ready="true"]');
  return { page, errors };
}

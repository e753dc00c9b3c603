// Captures the scorecard images of README and docs/scorecards.md from a run's HTML
// scorecard (take it from a live `npm run demo`: reports/latest/index.html):
//   docs/img/scorecard.png            the top of the page at 1280×900
//   docs/img/scorecard-drilldown.png  the first failure of "Needs attention", its evidence open
// Usage: node scripts/capture-docs-screenshots.mjs [reports/latest/index.html]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const page = resolve(process.argv[2] ?? 'reports/latest/index.html');
const out = (name) => resolve('docs/img', name);
const browser = await chromium.launch({ executablePath: process.env.CHAOSLAB_CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const tab = await context.newPage();
  await tab.goto(pathToFileURL(page).href);
  await tab.waitForSelector('html[data-ready="true"]');
  await tab.screenshot({ path: out('scorecard.png'), animations: 'disabled' });
  const first = tab.locator('#attention .att-list li a').first();
  if (!(await first.count())) throw new Error(`${page}: nothing needs attention, so there is no failure to open`);
  await first.click();
  const evidence = tab.locator('details.attempt[open] .evidence dl');
  await evidence.waitFor();
  // the attempt's own line and the scenario above it stay in view
  await tab.locator('details.attempt[open]').evaluate((el) => { el.scrollIntoView({ block: 'start' }); window.scrollBy(0, -90); });
  await tab.screenshot({ path: out('scorecard-drilldown.png'), animations: 'disabled' });
  console.log(`wrote ${out('scorecard.png')} and ${out('scorecard-drilldown.png')} from ${page}`);
} finally {
  await browser.close();
}

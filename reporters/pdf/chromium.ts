import { ChaoslabError, errorMessage } from '../../harness/core/errors.js';
import { escapeHtml } from '../escape-html.js';

/**
 * Prints an HTML document to PDF with Debian's Chromium (playwright-core),
 * offline: the browser context is offline and every request is refused, so
 * the PDF holds only what the document itself carries.
 */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface PrintOptions {
  readonly executablePath: string;
  /** Plain text for the page footer, beside the page numbers. */
  readonly footer: string;
}


export async function printToPdf(html: string, path: string, options: PrintOptions): Promise<void> {
  const { chromium } = await import('playwright-core');
  let browser;
  try {
    browser = await chromium.launch({ executablePath: options.executablePath, headless: true, args: FLAGS });
  } catch (error) {
    throw new ChaoslabError('REPORTER_FAILED', `pdf reporter: cannot start Chromium (${options.executablePath}; set CHAOSLAB_CHROMIUM): ${errorMessage(error)}`, { cause: error });
  }
  try {
    const context = await browser.newContext({ offline: true, colorScheme: 'light' });
    await context.route('**/*', (route) => route.abort());
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print', colorScheme: 'light' });
    await page.pdf({
      path,
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: `<div style="font-size:8px;width:100%;padding:0 12mm;display:flex;justify-content:space-between;color:#444"><span>${escapeHtml(options.footer)}</span><span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`,
      margin: { top: '12mm', bottom: '16mm', left: '10mm', right: '10mm' },
    });
  } finally {
    await browser.close();
  }
}

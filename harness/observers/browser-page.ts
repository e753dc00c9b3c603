import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ObserverConfigOf } from '../config/observer-schema.js';
import { redact, redactBytes, rememberSecret } from '../core/redact.js';
import { readZip, writeZip } from '../core/zip.js';

type BrowserConfig = ObserverConfigOf<'browser'>;

/** What the incident view shows, read by the configured selectors. */
export interface DashboardReading {
  status: string;
  updated_at?: string;
  tier?: string;
  runbook?: string;
  host?: string;
  check_type?: string;
}

const OPTIONAL_FIELDS = ['updated_at', 'tier', 'runbook', 'host', 'check_type'] as const;

/** Wrong credentials or selectors: retrying does not help, so the watch gives up at once. */
export class LoginFailed extends Error {}

/**
 * Actions, network and console, without DOM snapshots or the screencast: both
 * cost every reading time (snapshots about 10–30 ms here), and the failure
 * evidence takes the page's screenshot and HTML at the moment it failed instead.
 */
const TRACE_OPTIONS = { screenshots: false, snapshots: false };

/**
 * Resources that never change what an element's innerText says: not loading
 * them makes each reading of a real dashboard cheaper. Stylesheets do load
 * (they decide what is visible), and so do scripts (they render the page).
 */
const UNREAD_RESOURCES = new Set(['image', 'media', 'font']);

/** The page calls this binding when its DOM changed. */
const DOM_CHANGED_BINDING = '__chaoslabDomChanged';

/**
 * Runs in every document before its own scripts: a MutationObserver (which
 * already delivers all of one task's mutations in one call) tells chaoslab the
 * page changed.
 */
const DOM_CHANGE_SCRIPT = `new MutationObserver(() => window[${JSON.stringify(DOM_CHANGED_BINDING)}]?.())
  .observe(document, { subtree: true, childList: true, characterData: true, attributes: true });`;

/**
 * Runs in the page: the innerText of each CSS selector's first match in the
 * document or an open shadow root (null when not found or not CSS), and
 * whether the login form's password field is shown (null when its selector is
 * not CSS). A string, not a function, so no compiler's helpers (e.g.
 * esbuild's __name) reach the page.
 */
const READ_SCRIPT = `(selectors, loginSelector) => {
  const find = (root, selector) => {
    const found = root.querySelector(selector);
    if (found) return found;
    for (const element of root.querySelectorAll('*')) {
      const inner = element.shadowRoot && find(element.shadowRoot, selector);
      if (inner) return inner;
    }
    return null;
  };
  const shown = (element) => {
    if (!element) return false;
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(element).visibility !== 'hidden';
  };
  let login = false;
  if (loginSelector !== null) {
    try { login = shown(find(document, loginSelector)); } catch { login = null; }
  }
  const texts = selectors.map((selector) => {
    try { return find(document, selector)?.innerText ?? null; } catch { return null; }
  });
  return { login, texts };
}`;

/** Runs in the page: empties every password field (value and attribute), and the login form's own one. */
const clearPasswordsScript = (passwordSelector: string | undefined) => `(() => {
  const fields = [...document.querySelectorAll('input[type=password]')];
  try { fields.push(...document.querySelectorAll(${JSON.stringify(passwordSelector ?? 'input[type=password]')})); } catch {}
  for (const field of fields) { field.value = ''; field.removeAttribute('value'); }
})()`;

/** Cookie values this long are session tokens; shorter ones are flags (`lang=en`, `consent=true`) that must not be redacted everywhere. */
const SESSION_COOKIE_MIN_LENGTH = 16;

/** Rewrites a saved trace with every resolved secret redacted from each of its entries. */
async function redactTrace(path: string): Promise<void> {
  const entries = readZip(await readFile(path));
  await writeFile(path, writeZip(new Map([...entries].map(([name, data]) => [name, redactBytes(data)]))));
}

/** How many times a piecewise reading is taken before the last one is kept anyway (a page that never stops changing). */
const MAX_READS = 3;

/**
 * One watch's page on the dashboard: its own browser context (cookies, trace),
 * with every origin other than the dashboard's blocked, and its images, media
 * and fonts not loaded. Each loop step of the watch is traced as a chunk of
 * its own that is kept only when the step fails, so a 20-minute window does
 * not grow one trace without bound and the saved trace shows exactly the
 * reading that went wrong.
 */
export class DashboardPage {
  private stepTraced = false;
  private viewUrl: string | undefined;

  private constructor(
    private readonly config: BrowserConfig,
    private readonly browserContext: BrowserContext,
    private readonly page: Page,
  ) {}

  /** `onDomChange`, when given, is called whenever the page's DOM changes (live mode). */
  static async open(browser: Browser, config: BrowserConfig, onDomChange?: () => void): Promise<DashboardPage> {
    const origin = new URL(config.url).origin;
    const browserContext = await browser.newContext();
    try {
      await browserContext.tracing.start(TRACE_OPTIONS);
      await browserContext.route('**/*', (route) => {
        const request = route.request();
        const wanted = new URL(request.url()).origin === origin && !UNREAD_RESOURCES.has(request.resourceType());
        return wanted ? route.continue() : route.abort('blockedbyclient');
      });
      if (onDomChange) {
        await browserContext.exposeBinding(DOM_CHANGED_BINDING, () => onDomChange());
        await browserContext.addInitScript({ content: DOM_CHANGE_SCRIPT });
      }
      const page = await browserContext.newPage();
      page.setDefaultTimeout(config.timeout);
      return new DashboardPage(config, browserContext, page);
    } catch (error) {
      await browserContext.close().catch(() => undefined);
      throw error;
    }
  }

  /** Starts the trace chunk of one loop step; `endStep` drops it, `saveEvidence` keeps it. */
  async beginStep(): Promise<void> {
    if (this.stepTraced) return;
    await this.browserContext.tracing.startChunk();
    this.stepTraced = true;
  }

  async endStep(): Promise<void> {
    if (!this.stepTraced) return;
    this.stepTraced = false;
    await this.browserContext.tracing.stopChunk();
  }

  /**
   * Logs in with the configured selectors (nothing to do without a `login`
   * block). Never traced: a trace keeps each fill's value and the form's POST
   * body, so the password would sit in the evidence in plain text. The step's
   * trace starts again once the login succeeded; a refused login leaves a
   * screenshot and the page's HTML only.
   */
  async login(password: () => Promise<string>): Promise<void> {
    const login = this.config.login;
    this.viewUrl = undefined;
    if (!login) return;
    const page = this.page;
    await this.endStep();
    await page.goto(login.url ?? this.config.url);
    await page.fill(login.username_selector, login.username);
    await page.fill(login.password_selector, await password());
    await page.click(login.submit_selector);
    if (login.success_selector) {
      await page.waitForSelector(login.success_selector).catch(() => {
        throw new LoginFailed(`login failed: ${login.success_selector} did not appear within ${this.config.timeout}ms after submitting`);
      });
    } else {
      await page.waitForLoadState();
      if (await this.showsLoginForm()) throw new LoginFailed('login failed: the login form is still shown after submitting');
    }
    // a page that keeps the (hidden) form after logging in would still hold the password for the evidence
    await page.evaluate(clearPasswordsScript(login.password_selector));
    await this.rememberSessionCookies();
    await this.beginStep();
  }

  /**
   * The dashboard's session cookies are credentials: whoever has one can act
   * as chaoslab's account until it expires. They become secrets of the run, so
   * every sink (and the saved evidence) redacts them.
   */
  private async rememberSessionCookies(): Promise<void> {
    for (const cookie of await this.browserContext.cookies()) {
      if (cookie.value.length >= SESSION_COOKIE_MIN_LENGTH) rememberSecret(cookie.value);
    }
  }

  private async showsLoginForm(): Promise<boolean> {
    const login = this.config.login;
    return login !== undefined && (await this.page.locator(login.password_selector).first().isVisible());
  }

  /** True while the page still shows the incident view it loaded last (a live page may have navigated away). */
  showsView(): boolean {
    return this.viewUrl !== undefined && this.page.url() === this.viewUrl;
  }

  /** Loads the incident view (a dashboard whose session expired answers with its login form: `read` tells). */
  async load(url: string): Promise<void> {
    this.viewUrl = undefined;
    // the DOM is enough to read text; waiting for every subresource only adds lag
    const response = await this.page.goto(url, { waitUntil: 'domcontentloaded' });
    if (response && response.status() >= 500) throw new Error(`incident view answered ${response.status()}`);
    this.viewUrl = this.page.url();
  }

  /** Opens `url` as a check that the dashboard answers. */
  async probe(url: string): Promise<void> {
    const response = await this.page.goto(url);
    if (response && response.status() >= 400) throw new Error(`${url} answered ${response.status()}`);
  }

  /**
   * Reads the selectors: undefined when the page shows no incident (yet),
   * `logged_out` when it shows the login form instead (the session expired).
   * A reading that needed Playwright's own selector engine is not one atomic
   * look at the page (a live page can change between its steps), so it is
   * taken again until two in a row agree.
   */
  async read(): Promise<DashboardReading | undefined | 'logged_out'> {
    const selectors = this.config.selectors;
    const fields = (['status', ...OPTIONAL_FIELDS] as const).filter((field) => selectors[field] !== undefined);
    const list = fields.map((field) => selectors[field]!);
    let taken = await this.texts(list);
    for (let tries = 1; taken.piecewise && tries < MAX_READS; tries += 1) {
      const again = await this.texts(list);
      const agree = again.loginShown === taken.loginShown && again.values.every((value, index) => value === taken.values[index]);
      taken = again;
      if (agree) break;
    }
    if (taken.loginShown) return 'logged_out';
    const texts = taken.values;
    if (texts[0] === undefined) return undefined;
    const reading: DashboardReading = { status: texts[0] };
    fields.forEach((field, index) => {
      if (index > 0 && texts[index] !== undefined) reading[field] = texts[index];
    });
    return reading;
  }

  /**
   * The trimmed innerText of each selector's first match, and whether the
   * login form is shown. One script reads every selector that is plain CSS
   * and matches in the document or an open shadow root, in one task, so those
   * values are of one moment. The rest (Playwright-only syntax such as `text=`
   * or `>>`, CSS that only matches across a shadow boundary, absent elements)
   * go through Playwright's engine; a value found that way was read at
   * another moment: the result is `piecewise`.
   */
  private async texts(list: readonly string[]): Promise<{ values: (string | undefined)[]; loginShown: boolean; piecewise: boolean }> {
    const loginSelector = this.config.login?.password_selector ?? null;
    const quick = (await this.page.evaluate(`(${READ_SCRIPT})(${JSON.stringify(list)}, ${JSON.stringify(loginSelector)})`)) as { login: boolean | null; texts: (string | null)[] };
    let piecewise = false;
    const values = await Promise.all(list.map(async (selector, index) => {
      const quickValue = quick.texts[index];
      if (quickValue !== null && quickValue !== undefined) return quickValue.trim();
      const slow = (await this.page.locator(selector).first().allInnerTexts())[0];
      if (slow !== undefined) piecewise = true;
      return slow?.trim();
    }));
    let loginShown = quick.login;
    if (loginShown === null) {
      loginShown = await this.showsLoginForm();
      if (loginShown) piecewise = true;
    }
    return { values, loginShown, piecewise };
  }

  /** Saves a screenshot, the page's HTML and the failing step's trace; returns a sentence naming the files. */
  async saveEvidence(evidenceDir: string, stemName: string): Promise<string> {
    const stem = join(evidenceDir, stemName);
    await mkdir(evidenceDir, { recursive: true });
    const saved: string[] = [];
    const trace = `${stem}-trace.zip`;
    let traced = false;
    await this.page.screenshot({ path: `${stem}.png`, fullPage: true }).then(() => saved.push(`screenshot ${stem}.png`), () => undefined);
    if (this.stepTraced) {
      this.stepTraced = false;
      await this.browserContext.tracing.stopChunk({ path: trace }).then(() => (traced = true), () => undefined);
    }
    // cookies refreshed since the login are secrets too; asked for after the trace stopped, so the trace does not record them
    await this.rememberSessionCookies().catch(() => undefined);
    // the trace keeps every call's arguments and results (what the page showed): it is kept only once redacted
    if (traced) await redactTrace(trace).then(() => saved.push(`trace ${trace}`), () => rm(trace, { force: true }));
    await this.page
      .evaluate(clearPasswordsScript(this.config.login?.password_selector))
      .then(() => this.page.content())
      .then((html) => writeFile(`${stem}.html`, redact(html)))
      .then(() => saved.push(`page ${stem}.html`), () => undefined);
    return saved.length ? `evidence: ${saved.join(', ')}` : 'no evidence could be saved';
  }

  async close(): Promise<void> {
    await this.browserContext.close().catch(() => undefined);
  }
}

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ObserverConfigOf } from '../config/observer-schema.js';
import { errorMessage, ObserverUnavailableError } from '../core/errors.js';
import { mapRecord } from './fields.js';
import type { Observer, ObserverContext, ObserverOutput, WatchRequest } from './observer.js';
import { Reconnector } from './retry.js';

type BrowserConfig = ObserverConfigOf<'browser'>;

/** Debian's Chromium, headless, with nothing that phones home. */
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync',
];

/**
 * DOM snapshots only: the trace's continuous screencast would double the cost of
 * every reading; a screenshot is taken on failure instead.
 */
const TRACE_OPTIONS = { screenshots: false, snapshots: true };

/** What the incident view shows, read by the configured selectors. */
interface Reading {
  status: string;
  updated_at?: string;
  tier?: string;
  runbook?: string;
  host?: string;
  check_type?: string;
}

/**
 * A watch's Playwright trace. It never records a login: a trace keeps each
 * fill's value, the form's POST body and every input's value in its DOM
 * snapshots, so the password would sit in the evidence in plain text.
 * Stopping without a path discards what was recorded.
 */
class LoginFreeTrace {
  private running = false;

  constructor(private readonly browserContext: BrowserContext) {}

  async start(): Promise<void> {
    if (this.running) return;
    await this.browserContext.tracing.start(TRACE_OPTIONS);
    this.running = true;
  }

  async discard(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.browserContext.tracing.stop();
  }

  /** False when nothing was being traced (the watch failed while logging in). */
  async save(path: string): Promise<boolean> {
    if (!this.running) return false;
    this.running = false;
    await this.browserContext.tracing.stop({ path });
    return true;
  }
}

/** Wrong credentials or selectors: retrying does not help, so the watch gives up at once. */
class LoginFailed extends Error {}

const READING_FIELDS = { kind: 'status', at: 'updated_at', host: 'host', check_type: 'check_type', runbook: 'runbook', tier: 'tier' };

/**
 * The `browser` observer, for stacks that only have a dashboard: Playwright
 * drives Debian's Chromium, logs in with the configured selectors, opens the
 * incident view of host + check type and re-reads status/tier/runbook on an
 * interval; a changed reading is an event. Requests to any origin other than
 * the dashboard's are blocked. When it fails, a screenshot and a Playwright
 * trace of the readings since the last login are saved into the evidence
 * directory and named in the error.
 */
export class BrowserObserver implements Observer {
  readonly kind = 'browser';
  readonly name: string;
  private browser: Promise<Browser> | undefined;
  private readonly origin: string;

  constructor(private readonly config: BrowserConfig, private readonly context: ObserverContext) {
    this.name = config.name;
    this.origin = new URL(config.url).origin;
  }

  private launch(): Promise<Browser> {
    this.browser ??= (async () => {
      const { chromium } = await import('playwright-core');
      return chromium.launch({ executablePath: this.config.executable_path, headless: true, args: CHROMIUM_FLAGS });
    })().catch((error: unknown) => {
      this.browser = undefined;
      throw new ObserverUnavailableError(this.name, `cannot start Chromium (${this.config.executable_path}): ${errorMessage(error)}`, { cause: error });
    });
    return this.browser;
  }

  /** A context per watch, with every other origin blocked. */
  private async openPage(): Promise<{ browserContext: BrowserContext; page: Page }> {
    const browserContext = await (await this.launch()).newContext();
    await browserContext.route('**/*', (route) => (new URL(route.request().url()).origin === this.origin ? route.continue() : route.abort('blockedbyclient')));
    const page = await browserContext.newPage();
    page.setDefaultTimeout(this.config.timeout);
    return { browserContext, page };
  }

  /** Saves a screenshot (the browser masks the password field) and the trace so far; returns a sentence naming the files. */
  private async saveEvidence(page: Page, trace: LoginFreeTrace, label: string): Promise<string> {
    const stem = join(this.context.evidenceDir, `${this.name}-${label}-${Date.now()}`);
    await mkdir(this.context.evidenceDir, { recursive: true });
    const saved: string[] = [];
    await page.screenshot({ path: `${stem}.png`, fullPage: true }).then(() => saved.push(`screenshot ${stem}.png`), () => undefined);
    await trace.save(`${stem}-trace.zip`).then(
      (written) => {
        if (written) saved.push(`trace ${stem}-trace.zip`);
      },
      () => undefined,
    );
    return saved.length ? `evidence: ${saved.join(', ')}` : 'no evidence could be saved';
  }

  /** Logs in untraced (dropping the trace of the readings before), then traces the readings. */
  private async login(page: Page, trace: LoginFreeTrace): Promise<void> {
    if (this.config.login) {
      await trace.discard();
      await this.submitLogin(page, this.config.login);
    }
    await trace.start();
  }

  private async submitLogin(page: Page, login: NonNullable<BrowserConfig['login']>): Promise<void> {
    const password = await this.context.resolveSecret(login.password);
    await page.goto(login.url ?? this.config.url);
    await page.fill(login.username_selector, login.username);
    await page.fill(login.password_selector, password);
    await page.click(login.submit_selector);
    if (login.success_selector) {
      await page.waitForSelector(login.success_selector).catch(() => {
        throw new LoginFailed(`login failed: ${login.success_selector} did not appear within ${this.config.timeout}ms after submitting`);
      });
    } else {
      await page.waitForLoadState();
      if (await page.locator(login.password_selector).isVisible()) throw new LoginFailed('login failed: the login form is still shown after submitting');
    }
    // a page that keeps the (hidden) form after logging in would still hold the password for the trace's DOM snapshots
    await page.locator(login.password_selector).evaluateAll((fields) => fields.forEach((field) => ((field as HTMLInputElement).value = '')));
  }

  private incidentUrl(request: WatchRequest): string {
    const path = this.config.incident_url
      .replaceAll('{host}', encodeURIComponent(request.host.name))
      .replaceAll('{check_type}', encodeURIComponent(request.checkType));
    return new URL(path, this.config.url).toString();
  }

  /** undefined when the page shows no incident (yet): not an error, the stack may not have seen the drift. */
  private async read(page: Page, request: WatchRequest): Promise<Reading | undefined> {
    // the DOM is enough to read text; waiting for every subresource only adds lag
    const response = await page.goto(this.incidentUrl(request), { waitUntil: 'domcontentloaded' });
    if (response && response.status() >= 500) throw new Error(`incident view answered ${response.status()}`);
    const status = page.locator(this.config.selectors.status).first();
    if ((await status.count()) === 0) return undefined;
    const reading: Reading = { status: (await status.innerText()).trim() };
    for (const field of ['updated_at', 'tier', 'runbook', 'host', 'check_type'] as const) {
      const selector = this.config.selectors[field];
      if (selector === undefined) continue;
      const element = page.locator(selector).first();
      if ((await element.count()) > 0) reading[field] = (await element.innerText()).trim();
    }
    return reading;
  }

  private toOutput(reading: Reading, request: WatchRequest): ObserverOutput {
    return mapRecord(reading, {
      source: this.name,
      fields: READING_FIELDS,
      kinds: this.config.kinds,
      // without an updated-at on the page, the reading's own time on the stack's clock
      defaults: { host: request.host.name, checkType: request.checkType, at: this.context.clock.wallNow() + request.skewMs },
    });
  }

  async *watch(request: WatchRequest): AsyncIterable<ObserverOutput> {
    const { browserContext, page } = await this.openPage();
    const trace = new LoginFreeTrace(browserContext);
    const reconnector = new Reconnector(this.name, this.context.clock);
    let loggedIn = false;
    let last: string | undefined;
    try {
      while (!request.signal.aborted) {
        // readings start every poll_interval (not poll_interval after the previous one ended)
        const started = this.context.clock.now();
        try {
          if (!loggedIn) await this.login(page, trace);
          loggedIn = true;
          const reading = await this.read(page, request);
          reconnector.succeeded();
          const key = JSON.stringify(reading);
          if (reading && key !== last) yield this.toOutput(reading, request);
          last = key;
        } catch (error) {
          if (request.signal.aborted) return;
          loggedIn = false;
          const giveUp = error instanceof LoginFailed || (await reconnector.failed(error, request.signal).then(() => false, () => true));
          if (giveUp) {
            if (request.signal.aborted) return;
            const evidence = await this.saveEvidence(page, trace, request.attemptId);
            throw new ObserverUnavailableError(this.name, `${errorMessage(error)} (${evidence})`, { cause: error });
          }
          continue;
        }
        await this.context.clock.sleep(this.config.poll_interval - (this.context.clock.now() - started), request.signal).catch(() => undefined);
      }
    } finally {
      await browserContext.close().catch(() => undefined);
    }
  }

  async probe(): Promise<void> {
    const { browserContext, page } = await this.openPage();
    try {
      const response = await page.goto(this.config.url);
      if (response && response.status() >= 400) throw new Error(`${this.config.url} answered ${response.status()}`);
    } catch (error) {
      throw new ObserverUnavailableError(this.name, `cannot open the dashboard: ${errorMessage(error)}`, { cause: error });
    } finally {
      await browserContext.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    await browser?.then((b) => b.close()).catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

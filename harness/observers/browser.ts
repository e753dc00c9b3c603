import type { Browser } from 'playwright-core';
import type { ObserverConfigOf } from '../config/observer-schema.js';
import { errorMessage, ObserverUnavailableError } from '../core/errors.js';
import { mapRecord } from './fields.js';
import type { Observer, ObserverContext, ObserverOutput, WatchRequest } from './observer.js';
import { DashboardPage, LoginFailed, type DashboardReading } from './browser-page.js';
import { Reconnector, Waker } from './retry.js';

type BrowserConfig = ObserverConfigOf<'browser'>;

/** Debian's Chromium, headless, with nothing that phones home. */
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync',
];

const READING_FIELDS = { kind: 'status', at: 'updated_at', host: 'host', check_type: 'check_type', runbook: 'runbook', tier: 'tier' };

/** Live mode: however busy a page's DOM, readings start at most this often. */
const LIVE_MIN_GAP_MS = 50;

/**
 * The `browser` observer, for stacks that only have a dashboard: Playwright
 * drives Debian's Chromium, logs in with the configured selectors, opens the
 * incident view of host + check type and reads status/tier/runbook; a changed
 * reading is an event. `reload` mode loads the view for every reading, every
 * poll_interval; `live` mode loads it once and re-reads it as soon as its DOM
 * changes (and every poll_interval), reloading it every reload_interval and
 * whenever it left the view. An expired session is logged in again. Requests to
 * any origin other than the dashboard's are blocked. When it fails, a screenshot
 * and a Playwright trace of the failing reading are saved into the evidence
 * directory and named in the error.
 */
export class BrowserObserver implements Observer {
  readonly kind = 'browser';
  readonly name: string;
  private browser: Promise<Browser> | undefined;

  constructor(private readonly config: BrowserConfig, private readonly context: ObserverContext) {
    this.name = config.name;
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

  private incidentUrl(request: WatchRequest): string {
    const path = this.config.incident_url
      .replaceAll('{host}', encodeURIComponent(request.host.name))
      .replaceAll('{check_type}', encodeURIComponent(request.checkType));
    return new URL(path, this.config.url).toString();
  }

  private toOutput(reading: DashboardReading, request: WatchRequest): ObserverOutput {
    return mapRecord(reading, {
      source: this.name,
      fields: READING_FIELDS,
      kinds: this.config.kinds,
      // without an updated-at on the page, the reading's own time on the stack's clock
      defaults: { host: request.host.name, checkType: request.checkType, at: this.context.clock.wallNow() + request.skewMs },
    });
  }

  async *watch(request: WatchRequest): AsyncIterable<ObserverOutput> {
    const live = this.config.mode === 'live';
    const clock = this.context.clock;
    const changed = new Waker();
    const page = await DashboardPage.open(await this.launch(), this.config, live ? () => changed.wake() : undefined);
    const reconnector = new Reconnector(this.name, clock);
    const url = this.incidentUrl(request);
    let loggedIn = false;
    let loggedOutInARow = 0;
    let loadedAt = Number.NEGATIVE_INFINITY;
    let last: string | undefined;
    try {
      while (!request.signal.aborted) {
        // readings start every poll_interval (not poll_interval after the previous one ended); a live page's change cuts the wait short
        const started = clock.now();
        const mark = changed.mark();
        try {
          await page.beginStep();
          if (!loggedIn) await page.login(() => this.context.resolveSecret(this.config.login!.password));
          loggedIn = true;
          if (!live || !page.showsView() || started - loadedAt >= this.config.reload_interval) {
            await page.load(url);
            loadedAt = started;
          }
          const reading = await page.read();
          if (reading === 'logged_out') {
            // the session expired: log in again at once, but a login that does not hold is a failed login
            loggedOutInARow += 1;
            if (loggedOutInARow > 1) throw new LoginFailed('login failed: the dashboard showed its login form again right after logging in');
            loggedIn = false;
            continue;
          }
          loggedOutInARow = 0;
          await page.endStep();
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
            const evidence = await page.saveEvidence(this.context.evidenceDir, `${this.name}-${request.attemptId}-${Date.now()}`);
            throw new ObserverUnavailableError(this.name, `${errorMessage(error)} (${evidence})`, { cause: error });
          }
          continue;
        }
        try {
          // live: the next reading is due at the next poll or the next reload, whichever comes first
          const nextReading = live ? Math.min(started + this.config.poll_interval, loadedAt + this.config.reload_interval) : started + this.config.poll_interval;
          await changed.sleep(clock, nextReading - clock.now(), request.signal, mark);
          const burstGap = LIVE_MIN_GAP_MS - (clock.now() - started);
          if (live && burstGap > 0) await clock.sleep(burstGap, request.signal);
        } catch {
          return;
        }
      }
    } finally {
      await page.close();
    }
  }

  async probe(): Promise<void> {
    const page = await DashboardPage.open(await this.launch(), this.config);
    try {
      await page.probe(this.config.url);
    } catch (error) {
      throw new ObserverUnavailableError(this.name, `cannot open the dashboard: ${errorMessage(error)}`, { cause: error });
    } finally {
      await page.close();
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

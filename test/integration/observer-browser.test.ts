import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ObserverUnavailableError } from '../../harness/core/errors.js';
import { readZip } from '../../harness/core/zip.js';
import { BrowserObserver } from '../../harness/observers/browser.js';
import { startDashboard, type Dashboard } from '../support/dashboard/server.js';
import { labHost, observerContext, parseObserver, startWatch, type RunningWatch } from '../support/observer-watch.js';
import { tempDir } from '../support/tmp.js';

/** Chromium on a loaded 2-core machine can take seconds per page: wait for conditions with a long deadline. */
const SLOW_MS = 60_000;
let dashboard: Dashboard;
let evidence: Awaited<ReturnType<typeof tempDir>>;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  dashboard = await startDashboard();
  evidence = await tempDir('chaoslab-evidence-');
});
afterAll(async () => {
  await dashboard?.close();
  await evidence?.[Symbol.asyncDispose]();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function observer(password: string, overrides: Record<string, unknown> = {}): BrowserObserver {
  const config = parseObserver({
    kind: 'browser',
    name: 'stack-dashboard',
    url: dashboard.url,
    login: { url: `${dashboard.url}/login`, username_selector: '#username', password_selector: '#password', submit_selector: '#submit', username: dashboard.username, password: 'env:DASHBOARD_PASSWORD', success_selector: '#welcome' },
    incident_url: '/incidents/{host}/{check_type}',
    selectors: { status: '#status', tier: '#tier', runbook: '#runbook', updated_at: '#updated' },
    kinds: { Open: 'detected', Resolved: 'claimed_healed', 'Escalated to L3': 'escalated' },
    poll_interval: '200ms',
    timeout: '3s',
    ...overrides,
  });
  const created = new BrowserObserver(config, observerContext({ env: { DASHBOARD_PASSWORD: password }, evidenceDir: evidence.path }));
  cleanups.push(() => created.close());
  return created;
}

function watch(target: BrowserObserver, hostName: string, since = Date.now() - 1_000): RunningWatch {
  const running = startWatch(target, { host: labHost(hostName), checkType: 'smb_signing', since });
  cleanups.push(() => running.stop());
  return running;
}

describe('browser observer', () => {
  it('logs in, reads the incident view as it changes, blocks every other origin and skips images and fonts', async () => {
    const target = observer(dashboard.password);
    const running = watch(target, 'win-dc-1');
    await running.until('a view of the empty incident page', () => dashboard.views() >= 1, SLOW_MS);
    const detected = new Date().toISOString();
    dashboard.setIncident('win-dc-1', 'smb_signing', { status: 'Open', updatedAt: detected });
    await running.until('detected', () => running.accepted.length === 1, SLOW_MS);
    dashboard.setIncident('win-dc-1', 'smb_signing', { status: 'Resolved', tier: 'L1', runbook: 'RB-WIN-SEC-007', updatedAt: new Date(Date.now() + 5).toISOString() });
    await running.until('resolved', () => running.accepted.length === 2, SLOW_MS);
    expect(running.accepted.map((s) => [s.kind, s.tier, s.runbook])).toEqual([['detected', undefined, undefined], ['claimed_healed', 'L1', 'RB-WIN-SEC-007']]);
    expect(running.accepted[0]).toMatchObject({ host: 'win-dc-1', checkType: 'smb_signing' });
    // unchanged readings are not repeated
    await running.until('more polls', () => dashboard.views() >= 6, SLOW_MS);
    expect(running.outputs).toHaveLength(2);
    expect(dashboard.foreignHits()).toBe(0);
    // images and fonts are never fetched; the stylesheet, which decides what is visible, is
    expect(dashboard.assetHits()).toBe(0);
    expect(dashboard.stylesheetHits()).toBeGreaterThan(0);
  });

  it('live mode: loads a self-updating view once and reads each pushed change as its DOM changes', async () => {
    // a 10-minute poll and reload: only the page's own DOM changes can bring the readings in time
    const target = observer(dashboard.password, { mode: 'live', incident_url: '/live/incidents/{host}/{check_type}', poll_interval: '10m', reload_interval: '10m' });
    const viewsBefore = dashboard.views();
    const running = watch(target, 'win-srv-1');
    await running.until('the live view loaded', () => dashboard.views() > viewsBefore, SLOW_MS);
    dashboard.setIncident('win-srv-1', 'smb_signing', { status: 'Open', updatedAt: new Date().toISOString() });
    await running.until('detected', () => running.accepted.length === 1, SLOW_MS);
    dashboard.setIncident('win-srv-1', 'smb_signing', { status: 'Resolved', tier: 'L1', runbook: 'RB-WIN-SEC-007', updatedAt: new Date(Date.now() + 5).toISOString() });
    await running.until('resolved', () => running.accepted.length === 2, SLOW_MS);
    expect(running.accepted.map((s) => [s.kind, s.tier, s.runbook])).toEqual([['detected', undefined, undefined], ['claimed_healed', 'L1', 'RB-WIN-SEC-007']]);
    expect(dashboard.views() - viewsBefore).toBe(1);
    expect(dashboard.foreignHits()).toBe(0);
  });

  it.each([
    ['reload', { poll_interval: '200ms' }],
    // a live page whose stream ended with the session stops changing: the reload_interval brings the login form back
    ['live', { mode: 'live', incident_url: '/live/incidents/{host}/{check_type}', poll_interval: '10m', reload_interval: '1s' }],
  ])('%s mode: logs in again when the dashboard session expires', async (_mode, overrides) => {
    const host = `win-expiry-${_mode}`;
    dashboard.setIncident(host, 'smb_signing', { status: 'Open', updatedAt: new Date().toISOString() });
    const loginsBefore = dashboard.logins();
    const running = watch(observer(dashboard.password, overrides), host);
    await running.until('detected', () => running.accepted.length === 1, SLOW_MS);
    dashboard.expireSessions();
    dashboard.setIncident(host, 'smb_signing', { status: 'Resolved', updatedAt: new Date(Date.now() + 5).toISOString() });
    await running.until('resolved after a new login', () => running.accepted.length === 2, SLOW_MS);
    expect(running.accepted[1]!.kind).toBe('claimed_healed');
    expect(dashboard.logins() - loginsBefore).toBe(2);
    expect(running.error()).toBeUndefined();
  });

  it('reads Playwright-only selectors and elements inside shadow roots as well as plain CSS', async () => {
    dashboard.setIncident('win-sel-1', 'smb_signing', { status: 'Resolved', tier: 'L2', runbook: 'RB-WIN-SEC-007', updatedAt: new Date().toISOString() });
    // status: plain CSS (one round trip); tier: CSS that only matches through the shadow root; runbook: Playwright's text engine
    const target = observer(dashboard.password, { selectors: { status: 'dl > dd.badge', tier: '#tier', runbook: 'dd >> text=/^RB-/', updated_at: '#updated' } });
    const running = watch(target, 'win-sel-1');
    await running.until('resolved', () => running.accepted.length === 1, SLOW_MS);
    expect(running.accepted[0]).toMatchObject({ kind: 'claimed_healed', tier: 'L2', runbook: 'RB-WIN-SEC-007' });
  });

  it('reports a status it cannot map as malformed, naming the value', async () => {
    dashboard.setIncident('win-ws-1', 'smb_signing', { status: 'Pending review', updatedAt: new Date().toISOString() });
    const running = watch(observer(dashboard.password), 'win-ws-1');
    await running.until('a malformed reading', () => running.rejected.length === 1, SLOW_MS);
    expect(running.rejected[0]!.detail).toMatch(/"Pending review", which maps to no signal kind/);
  });

  it('fails a wrong login at once with a clear error and a screenshot; the login itself is never traced', async () => {
    const running = watch(observer('wrong-password'), 'win-dc-1');
    await running.done;
    const error = running.error();
    expect(error).toBeInstanceOf(ObserverUnavailableError);
    const message = String(error);
    expect(message).toMatch(/login failed: #welcome did not appear within 3000ms after submitting/);
    const screenshot = /screenshot (\S+\.png)/.exec(message)?.[1];
    const html = /page (\S+\.html)/.exec(message)?.[1];
    expect(screenshot?.startsWith(evidence.path)).toBe(true);
    expect(existsSync(screenshot!)).toBe(true);
    // the login is never traced; the page as it was when the login failed: the form, with the dashboard's own error
    expect(message).not.toContain('trace.zip');
    expect(await readFile(html!, 'utf8')).toContain('Invalid user name or password');
  });

  it('saves a trace of the failing reading, redacted: never the password, never a session cookie', async () => {
    // the incident view shows a resolved secret (stacks do print tokens), which the reading's results record in the trace
    dashboard.setIncident('win-trace-1', 'smb_signing', { status: 'Open', runbook: `RB-WIN-SEC-007 key=${dashboard.password}`, updatedAt: new Date().toISOString() });
    // a status selector that cannot parse fails every reading after a good login, until the observer gives up
    const running = watch(observer(dashboard.password, { selectors: { status: '#status[[', runbook: '#runbook' } }), 'win-trace-1');
    await running.done;
    const message = String(running.error());
    const trace = /trace (\S+\.zip)/.exec(message)?.[1];
    expect(trace, message).toBeDefined();
    const entries = readZip(await readFile(trace!));
    expect([...entries.values()].some((data) => data.includes('/incidents/win-trace-1/smb_signing'))).toBe(true);
    expect([...entries.values()].some((data) => data.includes('RB-WIN-SEC-007 key=[redacted]'))).toBe(true);
    const html = /page (\S+\.html)/.exec(message)?.[1];
    const saved = [...entries].map(([name, data]) => [name, data.toString('latin1')] as const).concat([[html!, await readFile(html!, 'latin1')]]);
    // the password reads the same raw, JSON-escaped and form-encoded (pw-<hex>); session ids are hex
    for (const secret of [dashboard.password, ...dashboard.sessionIds()]) {
      for (const [name, text] of saved) expect(text.includes(secret), `${name} holds ${secret}`).toBe(false);
    }
  });

  it('is unavailable promptly when the dashboard cannot be reached', async () => {
    const gone = await startDashboard();
    await gone.close();
    const target = observer(dashboard.password, { url: gone.url, login: undefined });
    await expect(target.probe()).rejects.toThrow(/cannot open the dashboard: .*ERR_CONNECTION_REFUSED/);
    const running = watch(target, 'win-dc-1');
    await running.done;
    expect(running.error()).toBeInstanceOf(ObserverUnavailableError);
    expect(String(running.error())).toMatch(/ERR_CONNECTION_REFUSED.*screenshot/s);
  });
});

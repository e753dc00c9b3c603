import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small healing-stack dashboard on 127.0.0.1 for the browser observer:
 * a login form, a session cookie, and an incident page per host + check type
 * whose status the test changes. `/incidents/…` shows a snapshot (a reload
 * shows changes); `/live/incidents/…` updates itself over server-sent events,
 * as single-page dashboards do. Every page also asks for a script from a
 * second local server (another origin), which the observer must block:
 * `foreignHits()` counts what got through.
 */
export interface Incident {
  status: string;
  tier?: string;
  runbook?: string;
  updatedAt?: string;
}

export interface Dashboard extends AsyncDisposable {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  setIncident(host: string, checkType: string, incident: Incident): void;
  /** Requests that reached the other origin (must stay 0). */
  foreignHits(): number;
  /** Requests for the page's image and font (the observer does not need them to read text). */
  assetHits(): number;
  /** Requests for the page's stylesheet (it decides what is visible, so it is loaded). */
  stylesheetHits(): number;
  /** Incident page views so far (snapshot and live pages). */
  views(): number;
  /** Successful logins so far. */
  logins(): number;
  /** Every session id handed out so far (cookie values: credentials that must not reach the evidence). */
  sessionIds(): string[];
  /** Forgets every session, as a dashboard does when sessions expire. */
  expireSessions(): void;
  close(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string, foreign: string): string {
  const assets = `<link rel="stylesheet" href="/assets/site.css"><style>@font-face { font-family: Brand; src: url(/assets/brand.woff2); } body { font-family: Brand; }</style>`;
  return `<!doctype html><html><head><title>${escapeHtml(title)}</title>${assets}<script src="${foreign}/track.js"></script></head><body><img src="/assets/logo.png" alt="">${body}</body></html>`;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

function incidentMarkup(host: string, check: string, incident: Incident | undefined): string {
  if (!incident) return `<p id="empty">No incident for ${escapeHtml(host)}</p>`;
  const row = (id: string, value: string | undefined) => (value === undefined ? '' : `<dd id="${id}">${escapeHtml(value)}</dd>`);
  // the tier sits in a web component's shadow root, as component-built dashboards render it
  const tier = incident.tier === undefined ? '' : `<incident-tier><template shadowrootmode="open">${row('tier', incident.tier)}</template></incident-tier>`;
  return `<dl><dd id="host">${escapeHtml(host)}</dd><dd id="check">${escapeHtml(check)}</dd>
      <dd class="badge" id="status">${escapeHtml(incident.status)}</dd>${tier}${row('runbook', incident.runbook)}${row('updated', incident.updatedAt)}</dl>`;
}

const streamMessage = (host: string, check: string, incident: Incident | undefined) => `data: ${JSON.stringify(incidentMarkup(host, check, incident))}\n\n`;

export async function startDashboard(): Promise<Dashboard> {
  const username = 'qa-viewer';
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const sessions = new Set<string>();
  const issued: string[] = [];
  const incidents = new Map<string, Incident>();
  const liveStreams = new Map<string, Set<ServerResponse>>();
  let foreign = 0;
  let assets = 0;
  let stylesheets = 0;
  let views = 0;
  let logins = 0;

  const tracker = createServer((_req, res) => {
    foreign += 1;
    res.writeHead(200, { 'content-type': 'text/javascript' }).end('window.tracked = true;');
  });
  const trackerUrl = await listen(tracker);

  const loginForm = (error = '') => page('Sign in', `<form method="post" action="/login">${error && `<p id="error">${escapeHtml(error)}</p>`}
    <input id="username" name="username"><input id="password" name="password" type="password"><button id="submit" type="submit">Sign in</button></form>`, trackerUrl);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const session = /(?:^|;\s*)sid=([a-f0-9]+)/.exec(req.headers.cookie ?? '')?.[1];
    const html = (status: number, body: string, headers: Record<string, string> = {}) => res.writeHead(status, { 'content-type': 'text/html', ...headers }).end(body);
    if (url.pathname === '/assets/site.css') {
      stylesheets += 1;
      return res.writeHead(200, { 'content-type': 'text/css' }).end('dd { margin: 0; }');
    }
    if (url.pathname.startsWith('/assets/')) {
      assets += 1;
      return res.writeHead(404).end();
    }
    if (url.pathname === '/login' && req.method === 'POST') {
      const form = await formBody(req);
      if (form.get('username') !== username || form.get('password') !== password) return html(200, loginForm('Invalid user name or password'));
      const sid = randomBytes(16).toString('hex');
      sessions.add(sid);
      issued.push(sid);
      logins += 1;
      return html(303, '', { location: '/', 'set-cookie': `sid=${sid}; HttpOnly; Path=/` });
    }
    if (url.pathname === '/login') return html(200, loginForm());
    if (!session || !sessions.has(session)) return html(303, '', { location: '/login' });
    if (url.pathname === '/') return html(200, page('Incidents', '<h1 id="welcome">Incidents</h1>', trackerUrl));
    const match = /^(\/live)?\/incidents\/([^/]+)\/([^/]+)(\/stream)?$/.exec(url.pathname);
    if (!match) return html(404, page('Not found', '<p>not found</p>', trackerUrl));
    const [live, host, check, stream] = [match[1] !== undefined, decodeURIComponent(match[2]!), decodeURIComponent(match[3]!), match[4] !== undefined];
    const key = `${host}/${check}`;
    if (live && stream) {
      // the current state first, as a single-page dashboard fetches it when it connects
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' }).write(streamMessage(host, check, incidents.get(key)));
      const open = liveStreams.get(key) ?? new Set<ServerResponse>();
      liveStreams.set(key, open.add(res));
      req.on('close', () => open.delete(res));
      return;
    }
    views += 1;
    const incident = incidents.get(key);
    if (live) {
      const script = `<script>new EventSource(location.pathname + '/stream').onmessage = (e) => { document.getElementById('incident').setHTMLUnsafe(JSON.parse(e.data)); };</script>`;
      return html(200, page(`Incident ${host}`, `<div id="incident">${incidentMarkup(host, check, incident)}</div>${script}`, trackerUrl));
    }
    if (!incident) return html(404, page('No incident', incidentMarkup(host, check, incident), trackerUrl));
    return html(200, page(`Incident ${host}`, incidentMarkup(host, check, incident), trackerUrl));
  };

  const server = createServer((req, res) => void handle(req, res));
  const url = await listen(server);
  const setIncident = (host: string, checkType: string, incident: Incident) => {
    incidents.set(`${host}/${checkType}`, incident);
    for (const stream of liveStreams.get(`${host}/${checkType}`) ?? []) stream.write(streamMessage(host, checkType, incident));
  };
  const expireSessions = () => {
    sessions.clear();
    // an authenticated stream ends with its session; the page's reconnect is sent to the login form
    for (const streams of liveStreams.values()) for (const stream of streams) stream.end();
    liveStreams.clear();
  };
  const close = async () => {
    server.closeAllConnections();
    tracker.closeAllConnections();
    await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => tracker.close(r))]);
  };
  return {
    url,
    username,
    password,
    setIncident,
    foreignHits: () => foreign,
    assetHits: () => assets,
    stylesheetHits: () => stylesheets,
    views: () => views,
    logins: () => logins,
    sessionIds: () => [...issued],
    expireSessions,
    close,
    [Symbol.asyncDispose]: close,
  };
}

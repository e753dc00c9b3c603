import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small healing-stack dashboard on 127.0.0.1 for the browser observer:
 * a login form, a session cookie, and an incident page per host + check type
 * whose status the test changes. Every page also asks for a script from a
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
  /** Incident page views so far. */
  views(): number;
  close(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string, foreign: string): string {
  return `<!doctype html><html><head><title>${escapeHtml(title)}</title><script src="${foreign}/track.js"></script></head><body>${body}</body></html>`;
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

export async function startDashboard(): Promise<Dashboard> {
  const username = 'qa-viewer';
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const sessions = new Set<string>();
  const incidents = new Map<string, Incident>();
  let foreign = 0;
  let views = 0;

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
    if (url.pathname === '/login' && req.method === 'POST') {
      const form = await formBody(req);
      if (form.get('username') !== username || form.get('password') !== password) return html(200, loginForm('Invalid user name or password'));
      const sid = randomBytes(16).toString('hex');
      sessions.add(sid);
      return html(303, '', { location: '/', 'set-cookie': `sid=${sid}; HttpOnly; Path=/` });
    }
    if (url.pathname === '/login') return html(200, loginForm());
    if (!session || !sessions.has(session)) return html(303, '', { location: '/login' });
    if (url.pathname === '/') return html(200, page('Incidents', '<h1 id="welcome">Incidents</h1>', trackerUrl));
    const match = /^\/incidents\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!match) return html(404, page('Not found', '<p>not found</p>', trackerUrl));
    views += 1;
    const [host, check] = [decodeURIComponent(match[1]!), decodeURIComponent(match[2]!)];
    const incident = incidents.get(`${host}/${check}`);
    if (!incident) return html(404, page('No incident', `<p id="empty">No incident for ${escapeHtml(host)}</p>`, trackerUrl));
    const row = (id: string, value: string | undefined) => (value === undefined ? '' : `<dd id="${id}">${escapeHtml(value)}</dd>`);
    return html(200, page(`Incident ${host}`, `<dl><dd id="host">${escapeHtml(host)}</dd><dd id="check">${escapeHtml(check)}</dd>
      <dd class="badge" id="status">${escapeHtml(incident.status)}</dd>${row('tier', incident.tier)}${row('runbook', incident.runbook)}${row('updated', incident.updatedAt)}</dl>`, trackerUrl));
  };

  const server = createServer((req, res) => void handle(req, res));
  const url = await listen(server);
  const close = async () => {
    server.closeAllConnections();
    tracker.closeAllConnections();
    await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => tracker.close(r))]);
  };
  return {
    url,
    username,
    password,
    setIncident: (host, checkType, incident) => void incidents.set(`${host}/${checkType}`, incident),
    foreignHits: () => foreign,
    views: () => views,
    close,
    [Symbol.asyncDispose]: close,
  };
}

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

/**
 * `report open --serve`: the run folder on 127.0.0.1 for a browser on the
 * same machine. Everything else is refused: a Host other than 127.0.0.1 or
 * localhost with this port (DNS rebinding: a web page whose name now points
 * at 127.0.0.1 would read the run's events), any method but GET and HEAD,
 * names that are not plain file names, and anything that is not a regular
 * file inside the folder once links are resolved. A bad request is answered
 * with a 4xx; none can stop the server.
 *
 * Only the user who started the server may read it. Any local user can connect
 * to a loopback port, and which user is at the other end cannot be seen
 * portably, so every path starts with a random token printed (to the user's own
 * terminal) when the server starts: http://127.0.0.1:<port>/<token>/. Relative
 * links of the scorecard keep the prefix; no-referrer keeps it off other sites.
 * A request without it is a 404, the same answer as a file that does not exist.
 */
const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.xml': 'application/xml', '.md': 'text/markdown; charset=utf-8', '.json': 'application/json', '.jsonl': 'application/x-ndjson' };

/** The scorecard is one self-contained page: inline styles, inline script, images as data: URLs; nothing from the network. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export interface ServedFolder {
  readonly port: number;
  /** The path every request must start with: `/<token>/`. */
  readonly base: string;
  close(): Promise<void>;
}

function answer(response: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...extra }).end(`${message}\n`);
}

/** The part of a request's path after `/<token>/`, or undefined when the token is missing or wrong. */
function afterToken(pathname: string, token: string): string | undefined {
  const slash = pathname.indexOf('/', 1);
  if (slash < 0) return undefined;
  const given = Buffer.from(pathname.slice(1, slash));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected) ? pathname.slice(slash + 1) : undefined;
}

type Requested = { readonly name: string } | { readonly status: 400 | 404 };

/** The plain file name a request asks for; 404 without the token, 400 when the target is not one (bad encoding, a path, a dot-file). */
function requestedName(target: string | undefined, index: string, token: string): Requested {
  let pathname: string;
  try {
    pathname = new URL(target ?? '/', 'http://127.0.0.1').pathname;
  } catch {
    return { status: 400 };
  }
  const rest = afterToken(pathname, token);
  if (rest === undefined) return { status: 404 };
  try {
    const name = decodeURIComponent(rest) || index;
    return /^[\w-][\w.-]*$/.test(name) ? { name } : { status: 400 };
  } catch {
    return { status: 400 };
  }
}

export async function serveFolder(dir: string, options: { port: number; index: string }): Promise<ServedFolder> {
  const root = await realpath(dir);
  const token = randomBytes(24).toString('base64url');
  let port = options.port;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (!allowedHosts().has((request.headers.host ?? '').toLowerCase())) return answer(response, 403, `this server answers only to 127.0.0.1:${port} or localhost:${port}`);
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(response, 405, 'only GET and HEAD', { allow: 'GET, HEAD' });
    const requested = requestedName(request.url, options.index, token);
    if ('status' in requested) return requested.status === 404 ? answer(response, 404, 'not found') : answer(response, 400, 'not a file name of the run folder');
    const { name } = requested;
    let path: string;
    try {
      path = await realpath(join(root, name));
    } catch {
      return answer(response, 404, 'not found');
    }
    if (!path.startsWith(`${root}${sep}`) || !(await stat(path)).isFile()) return answer(response, 404, 'not found');
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': CONTENT_TYPES[extname(name)] ?? 'text/plain; charset=utf-8' });
    if (request.method === 'HEAD') return void response.end();
    createReadStream(path)
      .on('error', () => response.destroy())
      .pipe(response);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (response.headersSent) response.destroy();
      else answer(response, 400, 'bad request');
    });
  });
  await new Promise<void>((ready, fail) => server.once('error', fail).listen(options.port, '127.0.0.1', ready));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    base: `/${token}/`,
    close: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      }),
  };
}

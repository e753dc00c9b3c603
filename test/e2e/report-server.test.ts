import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type CliRun } from '../support/engine-cli.js';
import { tempDir } from '../support/tmp.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request with full control of the method and Host header (fetch sets Host itself). */
function get(port: number, path: string, options: { host?: string; method?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: options.host ?? `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

/** Raw bytes, for targets an HTTP client would refuse to send. Resolves with the status line. */
function raw(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // write, not end: the server closes the connection after its answer (Connection: close)
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer.split('\r\n')[0]!)).on('error', reject);
  });
}

/** `chaoslab report open --serve` as a browser, a DNS-rebinding page and a prober would meet it. */
describe('chaoslab report open --serve', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let cli: CliRun;
  let port: number;
  /** `/<token>/`, printed at start: every path starts with it. */
  let base: string;
  const at = (path: string) => `${base}${path.slice(1)}`;

  beforeAll(async () => {
    dir = await tempDir('chaoslab-report-server-');
    const run = join(dir.path, 'run');
    await mkdir(join(run, 'subdir'), { recursive: true });
    await writeFile(join(run, 'events.jsonl'), '{"secret":"events"}\n');
    await writeFile(join(run, 'index.html'), '<h1>scorecard</h1>');
    await symlink('/etc/passwd', join(run, 'passwd.json'));
    await symlink(join(run, 'index.html'), join(run, 'alias.html'));
    cli = startCli(['report', 'open', run, '--serve', '--port', '0'], { cwd: dir.path });
    let output = '';
    [port, base] = await new Promise<[number, string]>((found, fail) => {
      cli.child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /http:\/\/127\.0\.0\.1:(\d+)(\/[\w-]+\/) /.exec(output);
        if (match) found([Number(match[1]), match[2]!]);
      });
      cli.child.once('exit', () => fail(new Error(`server exited: ${output}${cli.stderr()}`)));
    });
  });

  afterAll(async () => {
    cli?.child.kill('SIGINT');
    await cli?.exited;
    await dir?.[Symbol.asyncDispose]();
  });

  it('serves the scorecard with a CSP and nosniff, to 127.0.0.1 and localhost with its port', async () => {
    const page = await get(port, at('/'));
    expect(page).toMatchObject({ status: 200, body: '<h1>scorecard</h1>' });
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(port, at('/events.jsonl'), { host: `localhost:${port}` })).status).toBe(200);
    expect(await get(port, at('/index.html'), { method: 'HEAD' })).toMatchObject({ status: 200, body: '' });
    // a link that stays inside the folder is a file of the folder
    expect((await get(port, at('/alias.html'))).body).toBe('<h1>scorecard</h1>');
  });

  it('refuses any other Host (DNS rebinding), other methods, links out of the folder and folders', async () => {
    expect((await get(port, at('/events.jsonl'), { host: 'evil.example.com' })).status).toBe(403);
    expect((await get(port, at('/events.jsonl'), { host: `evil.example.com:${port}` })).status).toBe(403);
    expect((await get(port, at('/events.jsonl'), { host: '127.0.0.1:1' })).status).toBe(403);
    expect(await get(port, at('/events.jsonl'), { method: 'POST' })).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
    const passwd = await get(port, at('/passwd.json'));
    expect(passwd.status).toBe(404);
    expect(passwd.body).not.toContain('root:');
    expect((await get(port, at('/subdir'))).status).toBe(404);
    expect((await get(port, at('/..%2Fevents.jsonl'))).status).toBe(400);
  });

  it('serves only to whoever has the token printed at start: without it, or with another, every path is a 404 (issue #25)', async () => {
    expect(base).toMatch(/^\/[\w-]{32}\/$/);
    for (const path of ['/', '/index.html', '/events.jsonl']) {
      expect(await get(port, path)).toMatchObject({ status: 404, body: 'not found\n' });
      expect((await get(port, `/${'A'.repeat(32)}${path}`)).status).toBe(404);
      expect((await get(port, `${base.slice(0, -2)}${path}`)).status).toBe(404);
    }
    expect((await get(port, base.slice(0, -1))).status).toBe(404);
    expect(await get(port, at('/'))).toMatchObject({ status: 200, body: '<h1>scorecard</h1>' });
    expect(await get(port, at('/events.jsonl'))).toMatchObject({ status: 200, body: '{"secret":"events"}\n' });
  });

  it('answers malformed targets with 4xx and stays up', async () => {
    for (const target of ['/%E0%A4%A', '//[', '/subdir', '/%00', '/.hidden']) {
      expect(await raw(port, at(target))).toMatch(/^HTTP\/1\.1 4\d\d /);
    }
    expect((await get(port, at('/'))).status).toBe(200);
    expect(cli.child.exitCode).toBeNull();
  });
});

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { CONTROLLER_HOST_LINES, startSshd, type SshdFixture } from '../support/sshd.js';
import { tempDir } from '../support/tmp.js';

/**
 * Issue #25 through the real CLI: a lab host prints a token the lab resolved
 * in the encoded forms scripts use (hex, base64 of UTF-16LE as
 * -EncodedCommand takes it, base32, base64 twice, base64 wrapped over lines,
 * printf %q, HTML- and \u-escaped), and the run's halt condition and
 * --pushgateway URLs carry credentials. No form of any of them reaches the
 * console, events.jsonl, report.json, run.json, index.html, junit.xml or the
 * manifest; the credentials reach the servers as an Authorization header.
 */
const token = `tok"q\\b-${randomBytes(8).toString('hex')}-wörd`;
const haltPassword = `halt-pw-${randomBytes(6).toString('hex')}`;
const pushPassword = `push-pw-${randomBytes(6).toString('hex')}`;

/** What the host prints (a bash script), one form per line: the same real programs compute them on the controller below. */
const PRINT_FORMS = [
  'printf %s "$TOKEN" | xxd -p | tr -d "\\n"; echo',
  'printf %s "$TOKEN" | iconv -f UTF-8 -t UTF-16LE | base64 -w 0; echo',
  'printf \'$t = "%s"\' "$TOKEN" | iconv -f UTF-8 -t UTF-16LE | base64 -w 0; echo',
  'printf %s "$TOKEN" | base32 -w 0; echo',
  'printf \'token: %s\' "$TOKEN" | base64 -w 0 | base64 -w 0; echo',
  'printf \'config=%s;\' "$TOKEN" | base64 -w 20; echo',
  'printf "%q\\n" "$TOKEN"',
  'printf %s "$TOKEN" | python3 -c "import sys, html, json; s = sys.stdin.read(); print(html.escape(s)); print(json.dumps(s))"',
].join('; ');

function formsOnController(): string[] {
  const out = spawnSync('bash', ['-c', PRINT_FORMS], { env: { ...process.env, TOKEN: token }, encoding: 'utf8' });
  expect(out.status, out.stderr).toBe(0);
  // the pieces a reader could decode the token from: each line, and each wrapped line joined; edge characters of embedded encodings left out
  const lines = out.stdout.trim().split('\n');
  const wrapped = lines.slice(5, -3).join('');
  return [...lines.slice(0, 5), wrapped, ...lines.slice(-3)].map((form, index) => ([2, 4, 5].includes(index) ? form.slice(16, -8) : form));
}

/** 12-character pieces of a form: a form cut only in part by redaction would leave one of them. */
const pieces = (form: string) => Array.from({ length: Math.floor(form.length / 12) }, (_, i) => form.slice(i * 12, i * 12 + 12));

async function everyFile(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) files.set(join(entry.parentPath, entry.name), await readFile(join(entry.parentPath, entry.name), 'latin1'));
  }
  return files;
}

describe('encoded secrets and URL credentials stay out of every output (e2e)', () => {
  let sshd: SshdFixture;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const servers: Server[] = [];
  const seen: { halt: (string | undefined)[]; push: (string | undefined)[] } = { halt: [], push: [] };

  /** A local server that answers 200 only to the credentials it expects (401 otherwise), recording the Authorization it got. */
  async function authServer(user: string, password: string, record: (string | undefined)[]): Promise<number> {
    const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const server = createServer((req: IncomingMessage, res) => {
      record.push(req.headers.authorization);
      req.resume();
      res.writeHead(req.headers.authorization === expected ? 200 : 401).end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await tempDir('chaoslab-encoded-');
    const haltPort = await authServer('ops', haltPassword, seen.halt);
    await writeFile(join(dir.path, 'healer.env'), `TOKEN='${token.replaceAll("'", "'\\''")}'\n`);
    const transport = `{ kind: ssh, port: ${sshd.port}, user: ${sshd.user}, key: "file:${sshd.keyPath}", known_hosts: ${sshd.knownHostsPath} }`;
    await writeFile(join(dir.path, 'lab.yaml'), [
      'name: encoded-lab',
      'hosts:',
      '  - name: web1',
      '    platform: linux',
      ...CONTROLLER_HOST_LINES,
      `    transport: ${transport}`,
      'observers:',
      '  - { name: stack-api, kind: http, url: "http://127.0.0.1:9/events", poll_interval: 200ms, timeout: 1s, auth: { type: bearer, token: "env:CHAOSLAB_TEST_TOKEN" } }',
      'halt:',
      `  - { name: health, kind: http, url: "http://ops:${haltPassword}@127.0.0.1:${haltPort}/health" }`,
      '',
    ].join('\n'));
    await writeFile(join(dir.path, 'forms.sh'), `. ${join(dir.path, 'healer.env')}\n${PRINT_FORMS}\n`);
    await mkdir(join(dir.path, 'scenarios'));
    await writeFile(join(dir.path, 'scenarios', 'prints-forms.yaml'), [
      'id: prints-forms', 'title: prints forms', 'platform: linux', 'target: web1', 'check_type: prints-forms', 'resources: [prints-forms]',
      'sla: 1s', 'window: 2s', 'hold: 500ms', 'probe_interval: 250ms', 'timeout: 10s', 'expect: { outcome: ignore }', 'steps:',
      `  snapshot: ${JSON.stringify(`bash ${join(dir.path, 'forms.sh')}`)}`,
      '  inject: "true"', '  check: "true"', '  revert: "true"', '',
    ].join('\n'));
  });

  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await dir?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('run: the host printed every form, and none of them, nor any URL password, is in the console or the run folder', async () => {
    const pushPort = await authServer('ci', pushPassword, seen.push);
    const out = join(dir.path, 'reports');
    const result = await runCli(
      ['run', join(dir.path, 'scenarios'), '--lab', join(dir.path, 'lab.yaml'), '--out', out, '--reporter', 'console,json,junit,html', '--pushgateway', `http://ci:${pushPassword}@127.0.0.1:${pushPort}`],
      { cwd: dir.path, env: { CHAOSLAB_STATE_DIR: join(dir.path, 'state'), CHAOSLAB_TEST_TOKEN: token } },
    );
    // the halt condition was read with its credentials, so the run went on; the push carried its credentials too
    expect(result.stdout + result.stderr).not.toContain('cannot be evaluated');
    expect(seen.halt.length).toBeGreaterThan(0);
    expect(new Set(seen.halt)).toEqual(new Set([`Basic ${Buffer.from(`ops:${haltPassword}`).toString('base64')}`]));
    expect(seen.push).toEqual([`Basic ${Buffer.from(`ci:${pushPassword}`).toString('base64')}`]);

    const forms = formsOnController();
    const files = await everyFile(out);
    const runDir = [...files.keys()].find((path) => path.endsWith('events.jsonl'))!.replace(/\/events\.jsonl$/, '');
    for (const name of ['events.jsonl', 'report.json', 'run.json', 'index.html', 'junit.xml', 'manifest.json']) expect(files.has(join(runDir, name)), name).toBe(true);
    // the host really printed them: the snapshot's stdout was recorded, redacted
    expect(files.get(join(runDir, 'events.jsonl'))).toMatch(/"step":"snapshot".*"exitCode":0,"stdout":"\[redacted\]\\n\[redacted\]\\n/);
    const leaks: string[] = [];
    for (const [path, text] of [['console', result.stdout + result.stderr] as const, ...files]) {
      for (const [index, form] of forms.entries()) if (pieces(form).some((piece) => text.includes(piece))) leaks.push(`${path}: form ${index}`);
      for (const secret of [token, haltPassword, pushPassword]) if (text.includes(secret)) leaks.push(`${path}: ${secret}`);
    }
    expect(leaks).toEqual([]);
    // the manifest's argv keeps the URL, without its password
    const manifest = JSON.parse(files.get(join(runDir, 'manifest.json'))!) as { argv: string[] };
    expect(manifest.argv).toContain(`http://ci:[redacted]@127.0.0.1:${pushPort}`);
  });
});

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { filesHoldingMarkers, markedSecret, markersIn } from '../support/secret-markers.js';
import { CONTROLLER_HOST_LINES, startSshd, type SshdFixture } from '../support/sshd.js';
import { tempDir } from '../support/tmp.js';

/**
 * The redaction rule (README "Safety") through the real CLI: no resolved secret reaches
 * anything chaoslab writes. The lab's two API tokens are `env:` references.
 * The hosts hold their own copy (the healing stack's config), which scenario
 * steps print: raw on stderr, JSON-escaped on stdout, in a snapshot that runs
 * before any observer has resolved a token, and in a revert that fails so
 * `revert --pending` prints it too. One token spans two lines, so fetch
 * refuses the header and quotes the whole token in its error; the other API
 * echoes the Authorization header into the body of its 500s.
 */
const apiToken = markedSecret('api', { multiline: true });
const echoToken = markedSecret('echo');
const secrets = [apiToken, echoToken];

describe('secrets stay out of every output (e2e)', () => {
  let sshd: SshdFixture;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let echoApi: Server;
  let echoRequests = 0;
  let labFile: string;
  let scenariosDir: string;
  const env = () => ({ CHAOSLAB_STATE_DIR: join(dir.path, 'state'), CHAOSLAB_TEST_API_TOKEN: apiToken.value, CHAOSLAB_TEST_ECHO_TOKEN: echoToken.value });
  const cli = (args: string[]) => runCli(args, { cwd: dir.path, env: env() });

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await tempDir('chaoslab-secrets-');
    echoApi = createServer((req, res) => {
      echoRequests += 1;
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'token rejected', authorization: req.headers.authorization }));
    });
    await new Promise<void>((resolve) => echoApi.listen(0, '127.0.0.1', () => resolve()));
    const echoPort = (echoApi.address() as AddressInfo).port;

    const stackConfig = join(dir.path, 'healer.json');
    const stackEnv = join(dir.path, 'healer.env');
    const drifted = join(dir.path, 'web2.conf');
    await writeFile(stackConfig, JSON.stringify({ api_token: apiToken.value, echo_token: echoToken.value }));
    await writeFile(stackEnv, `API_TOKEN=${apiToken.value}\nECHO_TOKEN=${echoToken.value}\n`);
    await writeFile(drifted, 'secure\n');
    const transport = `{ kind: ssh, port: ${sshd.port}, user: ${sshd.user}, key: "file:${sshd.keyPath}", known_hosts: ${sshd.knownHostsPath} }`;
    labFile = join(dir.path, 'lab.yaml');
    await writeFile(labFile, [
      'name: secrets-lab',
      'hosts:',
      ...['web1', 'web2'].flatMap((name) => [`  - name: ${name}`, '    platform: linux', ...CONTROLLER_HOST_LINES, `    transport: ${transport}`]),
      'observers:',
      // fetch refuses the two-line header before connecting: nothing needs to listen on port 9
      '  - { name: stack-api, kind: http, url: "http://127.0.0.1:9/events", poll_interval: 200ms, timeout: 1s, auth: { type: bearer, token: "env:CHAOSLAB_TEST_API_TOKEN" } }',
      `  - { name: echo-api, kind: http, url: "http://127.0.0.1:${echoPort}/events", poll_interval: 200ms, timeout: 1s, auth: { type: bearer, token: "env:CHAOSLAB_TEST_ECHO_TOKEN" } }`,
      '',
    ].join('\n'));
    scenariosDir = join(dir.path, 'scenarios');
    await mkdir(scenariosDir);
    const scenario = (id: string, target: string, steps: Record<string, string>) => [
      `id: ${id}`, `title: ${id}`, 'platform: linux', `target: ${target}`, `check_type: ${id}`, `resources: [${id}]`,
      'sla: 1s', 'window: 2s', 'hold: 500ms', 'probe_interval: 250ms', 'timeout: 10s', 'expect: { outcome: ignore }', 'steps:',
      ...Object.entries(steps).map(([step, command]) => `  ${step}: ${JSON.stringify(command)}`), '',
    ].join('\n');
    await writeFile(join(scenariosDir, 'snapshot-prints.yaml'), scenario('snapshot-prints', 'web1', {
      snapshot: `cat ${stackConfig}; cat ${stackEnv} >&2; exit 3`, inject: 'true', check: 'true', revert: 'true',
    }));
    await writeFile(join(scenariosDir, 'revert-prints.yaml'), scenario('revert-prints', 'web2', {
      inject: `printf 'drifted\\n' > ${drifted}`, check: `test "$(cat ${drifted})" = secure`, revert: `cat ${stackEnv} >&2; exit 1`,
    }));
  });

  afterAll(async () => {
    await new Promise((resolve) => echoApi?.close(resolve));
    await dir?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('run: the report folder, chaoslab.log and the console carry [redacted] where the tokens were', async () => {
    const out = join(dir.path, 'reports');
    const result = await cli(['run', scenariosDir, '--lab', labFile, '--out', out, '--reporter', 'console,json,junit,markdown,html']);
    expect(result.code, result.stderr).toBe(3);
    expect(markersIn(result.stdout + result.stderr, secrets)).toEqual([]);
    expect(await filesHoldingMarkers(out, secrets)).toEqual([]);

    // the leaking paths really ran: the tokens were printed, refused and echoed, and redacted
    const log = await readFile(join(out, 'latest', 'chaoslab.log'), 'utf8');
    expect(log).toMatch(/snapshot exited 3: API_TOKEN=\[redacted\].*attempt inconclusive/);
    expect(log).toContain('Headers.append: \\"Bearer [redacted]\\" is an invalid header value');
    for (const line of log.trim().split('\n')) JSON.parse(line);
    const events = await readFile(join(out, 'latest', 'events.jsonl'), 'utf8');
    expect(events).toContain('{\\"api_token\\":\\"[redacted]\\",\\"echo_token\\":\\"[redacted]\\"}');
    expect(echoRequests).toBeGreaterThan(0);
    expect(result.stdout).toContain('revert-prints @ web2');
  });

  it('revert --pending prints the failing revert without the token', async () => {
    const result = await cli(['revert', '--pending', '--lab', labFile]);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toMatch(/revert-prints@web2#1 on web2 .*revert_failed — revert exited 1: API_TOKEN=\[redacted\]/);
    expect(markersIn(result.stdout + result.stderr, secrets)).toEqual([]);
  });

  it('doctor names the refused token as [redacted]', async () => {
    const result = await cli(['doctor', '--lab', labFile]);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toMatch(/stack-api .*invalid header value/);
    expect(result.stdout).toMatch(/echo-api .*500/);
    expect(markersIn(result.stdout + result.stderr, secrets)).toEqual([]);
  });
});

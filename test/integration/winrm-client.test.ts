import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostSchema } from '../../harness/config/lab-schema.js';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { silentLogger } from '../../harness/core/logger.js';
import { CMD_LINE_LIMIT } from '../../harness/transport/winrm/powershell-command.js';
import { createWinRmTransport } from '../../harness/transport/winrm.js';
import type { Transport } from '../../harness/transport/transport.js';
import { tempDir } from '../support/tmp.js';
import { WinRmTestServer, type WinRmTestServerOptions } from '../support/winrm-server/server.js';

/** WinRM Basic only knows local accounts; NTLM takes DOMAIN\\user. */
const USER = { basic: 'chaoslab', ntlm: 'LAB\\chaoslab', kerberos: 'chaoslab@LAB.TEST' } as const;
const PASSWORD = 'pa$$w0rd‘quoted’';
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function serve(options: Partial<WinRmTestServerOptions> & Pick<WinRmTestServerOptions, 'auth'>): Promise<WinRmTestServer> {
  const server = await WinRmTestServer.start({ user: 'chaoslab', password: PASSWORD, ...options });
  open.push(server);
  return server;
}

async function connect(server: WinRmTestServer, transport: Record<string, unknown> = {}): Promise<Transport> {
  const dir = await tempDir('winrm-client-');
  open.push({ close: () => dir[Symbol.asyncDispose]() });
  let ca: string | undefined;
  if (server.certificate) {
    ca = 'listener-ca.pem';
    await writeFile(join(dir.path, ca), server.certificate);
  }
  const host = hostSchema.parse({
    name: 'dc01',
    platform: 'windows',
    address: '127.0.0.1',
    transport: {
      kind: 'winrm',
      scheme: server.options.tls ? 'https' : 'http',
      port: server.port,
      auth: server.options.auth,
      user: USER[server.options.auth],
      password: 'env:WINRM_TEST_PASSWORD',
      ...(ca && { ca }),
      allow_unencrypted: !server.options.tls && server.options.auth === 'basic',
      max_retries: 2,
      // These cases pin the process-per-command model; the persistent host has its own file (winrm-persistent.test.ts).
      execution: 'process',
      ...transport,
    },
  });
  const client = createWinRmTransport(host, {
    resolveSecret: async (ref) => (ref === 'env:WINRM_TEST_PASSWORD' ? PASSWORD : 'wrong password'),
    clock: systemClock,
    logger: silentLogger,
    baseDir: dir.path,
  });
  open.push(client);
  return client;
}

describe('chaoslab WinRM transport against the WinRM test server', () => {
  it.each([
    ['basic', false],
    ['basic', true],
    ['ntlm', false],
    ['ntlm', true],
  ] as const)('%s auth (tls: %s): stdout, stderr, exit code, non-ASCII output', async (auth, tls) => {
    const server = await serve({ auth, tls, requireChannelBinding: tls, rules: [{ match: /Get-NetFirewallProfile/, reply: { stdout: 'Domain True\r\nÄrger — ✓ 日本語\r\n', stderr: 'warn ‘x’', exitCode: 3 } }] });
    const transport = await connect(server);
    const result = await transport.exec('Get-NetFirewallProfile | Format-Table Name, Enabled');
    expect(result).toMatchObject({ stdout: 'Domain True\r\nÄrger — ✓ 日本語\r\n', stderr: 'warn ‘x’', exitCode: 3 });
    expect(server.host.scripts().at(-1)!.script).toMatch(/\[Console\]::OutputEncoding = \[System.Text.Encoding\]::UTF8 \}\n[^]*Get-NetFirewallProfile \| Format-Table Name, Enabled$/);
    if (auth === 'ntlm') {
      expect(server.logins[0]).toEqual({ user: 'chaoslab', domain: 'LAB', micVerified: true, channelBinding: tls ? 'verified' : 'absent' });
      expect(server.stats[tls ? 'plainMessages' : 'encryptedMessages']).toBeGreaterThan(0);
      expect(server.stats[tls ? 'encryptedMessages' : 'plainMessages']).toBe(0);
    }
  });

  it.each(['basic', 'ntlm'] as const)('%s auth with a wrong password fails with TRANSPORT_AUTH and runs nothing', async (auth) => {
    const server = await serve({ auth, tls: true });
    const transport = await connect(server, { password: 'env:OTHER' });
    await expect(transport.exec('exit 0')).rejects.toMatchObject({ code: 'TRANSPORT_AUTH' });
    expect(server.host.recorded).toHaveLength(0);
  });

  it('sends scripts longer than cmd.exe allows in chunks and runs the reassembled script', async () => {
    const server = await serve({ auth: 'ntlm', rules: [{ match: /# long script/, reply: { stdout: 'ran', exitCode: 4 } }] });
    const transport = await connect(server);
    const body = Array.from({ length: 400 }, (_, i) => `Set-Variable -Name v${i} -Value 'it''s ‘quoted’ $notExpanded \`tick ünïcödé ${i}'`).join('\n');
    const script = `# long script\n${body}\n`;
    expect(script.length).toBeGreaterThan(CMD_LINE_LIMIT * 2);
    const result = await transport.exec(script);
    expect(result).toMatchObject({ stdout: 'ran', exitCode: 4 });
    const uploads = server.host.recorded.filter((r) => r.kind === 'upload');
    expect(uploads.length).toBeGreaterThanOrEqual(3);
    for (const upload of uploads) expect(upload.commandLine.length).toBeLessThanOrEqual(CMD_LINE_LIMIT);
    const [run] = server.host.scripts();
    expect(run!.chunks).toBe(uploads.length);
    expect(run!.script.endsWith(script)).toBe(true);
    expect(run!.commandLine.length).toBeLessThanOrEqual(CMD_LINE_LIMIT);
  });

  it('keeps every upload line under the limit after the server expands a long %TEMP% like cmd.exe', async () => {
    const temp = `C:\\Users\\${'a-very-long-account-name.'.repeat(8)}LAB\\AppData\\Local\\Temp`;
    const server = await serve({ auth: 'basic', temp, rules: [{ match: /# long script/, reply: { stdout: 'ran' } }] });
    const transport = await connect(server);
    const script = `# long script\n${'Write-Output 1\n'.repeat(CMD_LINE_LIMIT)}`;
    await expect(transport.exec(script)).resolves.toMatchObject({ stdout: 'ran', exitCode: 0 });
    expect(server.host.recorded.filter((r) => r.kind === 'refused')).toEqual([]);
    expect(server.host.scripts().at(-1)!.script.endsWith(script)).toBe(true);
  });

  it('removes a half-uploaded script when an upload fails', async () => {
    const server = await serve({ auth: 'basic', rules: [{ match: /^echo /, drop: { on: 'command', times: 99 } }] });
    const transport = await connect(server, { max_retries: 1 });
    await expect(transport.exec(`# long\n${'x'.repeat(CMD_LINE_LIMIT * 2)}`)).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
    const cleanup = server.host.scripts().filter((r) => r.kind === 'cmd');
    expect(cleanup.map((r) => r.commandLine)).toEqual([expect.stringMatching(/^del \/q "%TEMP%\\chaoslab-[0-9a-f-]+\.hex"$/)]);
  });

  it('asks again when a Receive hits the WS-Man OperationTimeout', async () => {
    const server = await serve({ auth: 'basic', rules: [{ match: /Start-Sleep/, reply: { stdout: 'done', delayMs: 2300 } }] });
    const transport = await connect(server, { operation_timeout: '1s' });
    const result = await transport.exec('Start-Sleep -Seconds 2');
    expect(result).toMatchObject({ stdout: 'done', exitCode: 0 });
    expect(server.stats.operationTimeouts).toBeGreaterThanOrEqual(2);
  });

  it('terminates a command that outlives the client timeout and raises TRANSPORT_TIMEOUT', async () => {
    const server = await serve({ auth: 'basic', rules: [{ match: /hang/, reply: { delayMs: 20_000 } }] });
    const transport = await connect(server, { operation_timeout: '1s' });
    await expect(transport.exec('# hang', { timeoutMs: 1500 })).rejects.toMatchObject({ code: 'TRANSPORT_TIMEOUT' });
    expect(server.host.signals.map((s) => s.code)).toContain('http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate');
    // The shell stays usable afterwards.
    await expect(transport.exec('exit 0')).resolves.toMatchObject({ exitCode: 0 });
  });

  it('retries on a fresh connection and shell when the server drops the connection', async () => {
    const server = await serve({ auth: 'ntlm', rules: [{ match: /flaky/, drop: { on: 'command', times: 1 }, reply: { stdout: 'ok' } }] });
    const transport = await connect(server);
    await expect(transport.exec('# flaky')).resolves.toMatchObject({ stdout: 'ok', exitCode: 0 });
    expect(server.stats.drops).toBe(1);
    expect(server.logins.length).toBe(2); // NTLM authenticated the new connection
  });

  it('asks for output again when the connection drops during a Receive', async () => {
    const server = await serve({ auth: 'ntlm', rules: [{ match: /receive-drop/, drop: { on: 'receive', times: 1 }, reply: { stdout: 'kept running' } }] });
    const transport = await connect(server);
    await expect(transport.exec('# receive-drop')).resolves.toMatchObject({ stdout: 'kept running' });
    expect(server.host.scripts()).toHaveLength(1); // not run twice
  });

  it('gives up after max_retries with TRANSPORT_UNREACHABLE when the server keeps dropping', async () => {
    const server = await serve({ auth: 'basic', rules: [{ match: /always/, drop: { on: 'command', times: 99 } }] });
    const transport = await connect(server, { max_retries: 2 });
    await expect(transport.exec('# always')).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
    expect(server.stats.drops).toBe(3);
  });

  it('deletes the shells a dropped connection left behind, so repeated drops never reach MaxShellsPerUser', async () => {
    const rules = [1, 2, 3].map((n) => ({ match: new RegExp(`# drop-${n}`), drop: { on: 'command' as const, times: 1 }, reply: { stdout: `ok ${n}` } }));
    const server = await serve({ auth: 'ntlm', maxShells: 2, rules });
    const transport = await connect(server);
    await transport.exec('# warm up');
    for (const n of [1, 2, 3]) await expect(transport.exec(`# drop-${n}`)).resolves.toMatchObject({ stdout: `ok ${n}` });
    expect(server.stats.drops).toBe(3);
    // the shell in use stays; every one stranded by a drop is deleted on the new connection
    await waitFor(async () => (server.host.shells.size === 1 ? true : undefined), { clock: systemClock, timeoutMs: 5000, intervalMs: 20, description: 'stranded shells to be deleted' });
    await transport.close();
    expect(server.host.shells.size).toBe(0);
  });

  it('decodes CLIXML error records on stderr into text', async () => {
    const clixml = '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">Access is denied_x000D__x000A_</S></Objs>';
    const server = await serve({ auth: 'basic', rules: [{ match: /denied/, reply: { stderr: clixml, exitCode: 2 } }] });
    const transport = await connect(server);
    await expect(transport.exec('# denied')).resolves.toMatchObject({ stderr: 'Access is denied\r\n', exitCode: 2 });
  });

  it('maps the WS-Man quota fault to TRANSPORT_QUOTA', async () => {
    const server = await serve({ auth: 'basic', rules: [{ match: /quota/, quotaFault: true }] });
    const transport = await connect(server);
    await expect(transport.exec('# quota')).rejects.toMatchObject({ code: 'TRANSPORT_QUOTA' });
  });

  it('reuses one shell (MaxShellsPerUser 1 is enough) and deletes it on close', async () => {
    const server = await serve({ auth: 'ntlm', maxShells: 1, rules: [{ match: /n=/, reply: (script) => ({ stdout: /n=(\d)/.exec(script)![1]! }) }] });
    const transport = await connect(server);
    for (const n of [1, 2, 3]) expect((await transport.exec(`# n=${n}`)).stdout).toBe(String(n));
    expect(server.host.shells.size).toBe(1);
    await transport.close();
    expect(server.host.shells.size).toBe(0);
  });

  it('opens a new shell when the server forgot the old one', async () => {
    const server = await serve({ auth: 'basic' });
    const transport = await connect(server);
    await transport.exec('exit 0');
    server.host.shells.clear(); // e.g. the WinRM service restarted or the shell idled out
    await expect(transport.exec('exit 0')).resolves.toMatchObject({ exitCode: 0 });
  });

  it('refuses a listener certificate it cannot verify (no ca:), without retrying', async () => {
    const server = await serve({ auth: 'ntlm', tls: true });
    const transport = await connect(server, { ca: undefined });
    await expect(transport.exec('exit 0')).rejects.toMatchObject({ code: 'TRANSPORT_PROTOCOL', message: expect.stringMatching(/TLS .*transport\.ca/) });
    expect(server.stats.requests).toBe(0);
  });

  it('the inventory refuses Basic over plain HTTP unless allow_unencrypted is set', () => {
    const parse = (extra: Record<string, unknown>) =>
      hostSchema.safeParse({ name: 'ws01', platform: 'windows', transport: { kind: 'winrm', scheme: 'http', auth: 'basic', user: 'u', password: 'env:P', ...extra } });
    const refused = parse({});
    expect(refused.success).toBe(false);
    expect(refused.error!.issues[0]).toMatchObject({ path: ['transport', 'auth'], message: expect.stringMatching(/password in clear/) });
    expect(parse({ allow_unencrypted: true }).success).toBe(true);
    expect(parse({ auth: 'ntlm' }).success).toBe(true);
  });

  it('reports an unreachable listener as TRANSPORT_UNREACHABLE', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as { port: number }).port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const server = await serve({ auth: 'basic' });
    const transport = await connect(server, { port, max_retries: 0 });
    await expect(transport.exec('exit 0')).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
  });

  it('streams output line by line', async () => {
    const server = await serve({ auth: 'ntlm', rules: [{ match: /Get-Content -Wait/, reply: { stdoutChunks: ['first\r\nsec', 'ond\r\n', 'third'] } }] });
    const transport = await connect(server);
    const lines: string[] = [];
    for await (const line of transport.stream('Get-Content -Wait C:\\agent.log', { signal: new AbortController().signal })) lines.push(line);
    expect(lines).toEqual(['first', 'second', 'third']);
  });

  it('stopping a stream terminates the remote command and deletes its shell', async () => {
    const server = await serve({ auth: 'ntlm', rules: [{ match: /Get-Content -Wait/, reply: { delayMs: 30_000 } }] });
    const transport = await connect(server, { operation_timeout: '1s' });
    const stop = new AbortController();
    const lines: string[] = [];
    const consumed = (async () => {
      for await (const line of transport.stream('Get-Content -Wait C:\\agent.log', { signal: stop.signal })) lines.push(line);
    })();
    await waitFor(async () => (server.stats.operationTimeouts > 0 ? true : undefined), { clock: systemClock, timeoutMs: 10_000, intervalMs: 50, description: 'the tail to be running' });
    stop.abort(new Error('attempt over'));
    await consumed;
    expect(lines).toEqual([]);
    expect(server.host.signals).toHaveLength(1);
    expect(server.host.shells.size).toBe(0);
  });

  it('probes, and runs concurrent execs over the one connection', async () => {
    const server = await serve({ auth: 'ntlm', rules: [{ match: /echo (\d)/, reply: (script) => ({ stdout: /echo (\d)/.exec(script)![1]!, delayMs: 200 }) }] });
    const transport = await connect(server);
    await transport.probe();
    const results = await Promise.all([1, 2, 3].map((n) => transport.exec(`# echo ${n}`)));
    expect(results.map((r) => r.stdout)).toEqual(['1', '2', '3']);
  });
});

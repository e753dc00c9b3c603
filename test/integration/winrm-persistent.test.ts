import { afterEach, describe, expect, it } from 'vitest';
import { hostSchema } from '../../harness/config/lab-schema.js';
import { systemClock } from '../../harness/core/clock.js';
import { silentLogger } from '../../harness/core/logger.js';
import { createWinRmTransport, type WinRmTransport } from '../../harness/transport/winrm.js';
import { CostModel, type ModelClock } from '../support/winrm-server/cost-model.js';
import { WinRmTestServer, type WinRmTestServerOptions } from '../support/winrm-server/server.js';

/**
 * The persistent execution model against the WinRM test server: one host per
 * machine, reconnects through a modelled WinRM service restart, the
 * ConstrainedLanguage fallback, and the cost model the bench relies on.
 */
const PASSWORD = 'persistent-pass';
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function serve(options: Partial<WinRmTestServerOptions> = {}): Promise<WinRmTestServer> {
  const server = await WinRmTestServer.start({ auth: 'ntlm', user: 'chaoslab', password: PASSWORD, ...options });
  open.push(server);
  return server;
}

function connect(server: WinRmTestServer, transport: Record<string, unknown> = {}): WinRmTransport {
  const host = hostSchema.parse({
    name: 'dc01',
    platform: 'windows',
    address: '127.0.0.1',
    transport: { kind: 'winrm', scheme: 'http', port: server.port, auth: 'ntlm', user: 'LAB\\chaoslab', password: 'env:P', max_retries: 1, operation_timeout: '1s', connect_timeout: '1s', ...transport },
  });
  const client = createWinRmTransport(host, { resolveSecret: async () => PASSWORD, clock: systemClock, logger: silentLogger, baseDir: '.' }) as WinRmTransport;
  open.push(client);
  return client;
}

const FAST_RESTART = { refusedMs: 300, unavailableMs: 400, badRequestMs: 200 };

describe('WinRM persistent execution', () => {
  it('runs every script in one PowerShell host: no process per command, output and exit codes intact', async () => {
    const server = await serve({ rules: [{ match: /n=(\d)/, reply: (script) => ({ stdout: `got ${/n=(\d)/.exec(script)![1]}\r\n`, stderr: 'note', exitCode: Number(/n=(\d)/.exec(script)![1]) }) }] });
    const transport = connect(server);
    const results = await Promise.all([0, 1, 2, 3].map((n) => transport.exec(`# n=${n}`)));
    expect(results.map((r) => [r.stdout, r.stderr, r.exitCode])).toEqual([0, 1, 2, 3].map((n) => [`got ${n}\r\n`, 'note', n]));
    expect(transport.hostStarts).toBe(1);
    const viaHost = server.host.scripts().filter((r) => r.commandLine === '(persistent host stdin)');
    expect(viaHost).toHaveLength(4);
  });

  it('a script printing an end marker cannot end its frame early', async () => {
    const server = await serve({ rules: [{ match: /forge/, reply: { stdout: `${'f'.repeat(32)} end 0\n\nsomething end 0\n`, exitCode: 1 } }] });
    const transport = connect(server);
    await expect(transport.exec('# forge')).resolves.toMatchObject({ stdout: `${'f'.repeat(32)} end 0\n\nsomething end 0\n`, exitCode: 1 });
  });

  it('a script that outlives its timeout ends the host (Signal, Delete); the next script gets a new one', async () => {
    const server = await serve({ rules: [{ match: /hang/, reply: { delayMs: 30_000 } }] });
    const transport = connect(server);
    await expect(transport.exec('# hang', { timeoutMs: 500 })).rejects.toMatchObject({ code: 'TRANSPORT_TIMEOUT', message: expect.stringMatching(/did not finish within 500ms/) });
    await expect(transport.exec('# quick')).resolves.toMatchObject({ exitCode: 0 });
    expect(transport.hostStarts).toBe(2);
    expect(server.host.signals.length).toBeGreaterThanOrEqual(1);
  });

  it('under ConstrainedLanguage it falls back to one powershell.exe per command', async () => {
    const server = await serve({ constrainedLanguage: true, rules: [{ match: /clm-check/, reply: { stdout: 'ok', exitCode: 1 } }] });
    const transport = connect(server);
    await expect(transport.exec('# clm-check')).resolves.toMatchObject({ stdout: 'ok', exitCode: 1 });
    await expect(transport.exec('# clm-check')).resolves.toMatchObject({ stdout: 'ok', exitCode: 1 });
    expect(server.host.scripts().filter((r) => r.script.includes('# clm-check') && r.commandLine.startsWith('powershell.exe'))).toHaveLength(2);
  });

  it('a read-only command survives a WinRM service restart mid-command; an inject is not sent twice', async () => {
    let restart: Promise<void> | undefined;
    const server: WinRmTestServer = await serve({
      rules: [
        { match: /read-during-restart/, reply: () => (restart ??= server.restartService(FAST_RESTART), { stdout: 'read', delayMs: 2000 }) },
        { match: /inject-during-restart/, reply: () => (restart = server.restartService(FAST_RESTART), { delayMs: 2000 }) },
      ],
    });
    const transport = connect(server);
    await expect(transport.exec('# read-during-restart', { readOnly: true, timeoutMs: 10_000 })).resolves.toMatchObject({ stdout: 'read', exitCode: 0 });
    await restart;
    expect(server.restarts.count).toBe(1);
    // the read was sent again after the restart: twice in all
    expect(server.host.scripts().filter((r) => r.script.includes('read-during-restart'))).toHaveLength(2);
    await expect(transport.exec('# inject-during-restart', { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
    await restart;
    expect(server.host.scripts().filter((r) => r.script.includes('inject-during-restart'))).toHaveLength(1);
  });

  it('the liveness probe waits out a restart (connection refused, then 503 and 400 without SOAP) instead of failing', async () => {
    const server = await serve();
    const transport = connect(server);
    await transport.probe();
    const restart = server.restartService(FAST_RESTART);
    await expect(transport.probe({ timeoutMs: 2000 })).resolves.toBeUndefined();
    await restart;
  });

  it('a host that stays down is still reported lost once probe_budget is spent (then the engine quarantines it)', async () => {
    const server = await serve();
    const transport = connect(server, { probe_budget: '1500ms' });
    await transport.probe();
    await server.close();
    const started = Date.now();
    await expect(transport.probe({ timeoutMs: 500 })).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it('Ctrl-C while a script runs in the host: the exec ends with the interruption, the host is terminated, the next script runs on a new one', async () => {
    const server = await serve({ rules: [{ match: /slow-check/, reply: { delayMs: 30_000 } }] });
    const transport = connect(server);
    const interrupt = new AbortController();
    const running = transport.exec('# slow-check', { signal: interrupt.signal, readOnly: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    interrupt.abort(new Error('interrupted'));
    await expect(running).rejects.toThrow('interrupted');
    await expect(transport.exec('# revert after ctrl-c')).resolves.toMatchObject({ exitCode: 0 });
    expect(server.host.signals.length).toBeGreaterThanOrEqual(1);
    expect(transport.hostStarts).toBe(2);
  });

  it('beyond MaxConcurrentOperationsPerUser the listener answers with the quota fault, in WinRM\'s words (TRANSPORT_QUOTA)', async () => {
    const server = await serve({ maxOperations: 1, rules: [{ match: /slow/, reply: { delayMs: 1500 } }] });
    const transport = connect(server, { execution: 'process', max_connections: 2 });
    const slow = transport.exec('# slow');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(transport.exec('# other')).rejects.toMatchObject({ code: 'TRANSPORT_QUOTA', message: expect.stringMatching(/maximum number of 1 concurrent operations/) });
    await expect(slow).resolves.toMatchObject({ exitCode: 0 });
  });

  it('an expired idle shell is replaced', async () => {
    const server = await serve({ idleTimeoutMs: 300 });
    const transport = connect(server, { execution: 'process' });
    await transport.exec('exit 0');
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expect(transport.exec('exit 0')).resolves.toMatchObject({ exitCode: 0 });
  });
});

describe('the Windows cost model', () => {
  function manualClock(): ModelClock & { advance(ms: number): void } {
    let now = 0;
    const timers: { at: number; fn: () => void }[] = [];
    return {
      now: () => now,
      after: (ms, fn) => {
        const timer = { at: now + ms, fn };
        timers.push(timer);
        return () => void timers.splice(timers.indexOf(timer), 1);
      },
      advance(ms) {
        const until = now + ms;
        for (;;) {
          timers.sort((a, b) => a.at - b.at);
          const next = timers[0];
          if (!next || next.at > until) break;
          timers.shift();
          now = next.at;
          next.fn();
        }
        now = until;
      },
    };
  }

  it('shares 2 vCPUs among 4 powershell starts: each takes twice as long', async () => {
    const clock = manualClock();
    const model = new CostModel({ vcpus: 2, clock });
    const ended: number[] = [];
    for (let i = 0; i < 4; i += 1) void model.work(model.powershellStartCpuMs, 'powershell_start').then(() => ended.push(clock.now()));
    clock.advance(699);
    await Promise.resolve();
    expect(ended).toEqual([]);
    clock.advance(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toEqual([700, 700, 700, 700]);
    expect(model.stats.peakConcurrentPowershellStarts).toBe(4);
  });

  it('one job alone gets one vCPU, not more (a process is single-threaded here)', async () => {
    const clock = manualClock();
    const model = new CostModel({ vcpus: 2, clock, backgroundJobs: 0 });
    let done = -1;
    void model.work(100, 'script').then(() => (done = clock.now()));
    clock.advance(100);
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(100);
  });
});

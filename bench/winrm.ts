import { hostSchema } from '../harness/config/lab-schema.js';
import { systemClock } from '../harness/core/clock.js';
import { silentLogger } from '../harness/core/logger.js';
import { createWinRmTransport } from '../harness/transport/winrm.js';
import type { Transport } from '../harness/transport/transport.js';
import { WinRmTestServer } from '../test/support/winrm-server/server.js';

/**
 * WinRM client overhead against the local WinRM test server (no Windows here:
 * these figures are the client's and the protocol's cost, not a Windows host's).
 * Baseline, measured in the same run: a fresh transport per command (new TCP
 * connection, NTLM handshake, new shell). Compared: one transport reused
 * (keep-alive connection, shell reuse), for Basic/HTTPS, NTLM/HTTPS and NTLM
 * over HTTP with every message sealed; plus a 40 000-character script that is
 * uploaded in chunks. Process-per-command execution throughout (the persistent
 * host's effect on a machine is bench/windows-load.ts's subject).
 *   node --import tsx bench/winrm.ts [commands]
 */
const COMMANDS = Number(process.argv[2] ?? 200);
const PASSWORD = 'bench-password';

function transportFor(server: WinRmTestServer, auth: 'basic' | 'ntlm'): Transport {
  const host = hostSchema.parse({
    name: 'bench',
    platform: 'windows',
    address: '127.0.0.1',
    transport: { kind: 'winrm', scheme: server.options.tls ? 'https' : 'http', port: server.port, auth, user: 'chaoslab', password: 'env:BENCH', insecure_tls: true, allow_unencrypted: true, execution: 'process' },
  });
  return createWinRmTransport(host, { resolveSecret: async () => PASSWORD, clock: systemClock, logger: silentLogger, baseDir: '.' });
}

async function perCommandMs(run: () => Promise<void>, count: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i += 1) await run();
  return (performance.now() - start) / count;
}

async function measure(auth: 'basic' | 'ntlm', tls: boolean): Promise<void> {
  const server = await WinRmTestServer.start({ auth, tls, user: 'chaoslab', password: PASSWORD, rules: [{ match: /Get-Date/, reply: { stdout: 'ok' } }] });
  try {
    const fresh = await perCommandMs(async () => {
      const transport = transportFor(server, auth);
      await transport.exec('Get-Date');
      await transport.close();
    }, Math.max(10, Math.floor(COMMANDS / 4)));
    const shared = transportFor(server, auth);
    await shared.exec('Get-Date');
    const reused = await perCommandMs(async () => void (await shared.exec('Get-Date')), COMMANDS);
    const longScript = `# Get-Date\n${'Write-Output "padding line for a long remediation script"\n'.repeat(700)}`;
    const long = await perCommandMs(async () => void (await shared.exec(longScript)), 10);
    await shared.close();
    const label = `${auth}/${tls ? 'https' : 'http'}${auth === 'ntlm' && !tls ? ' (sealed)' : ''}`;
    console.log(
      `${label.padEnd(18)} fresh transport ${fresh.toFixed(2)} ms/cmd (baseline) | reused ${reused.toFixed(2)} ms/cmd = ${(fresh / reused).toFixed(1)}x faster | ` +
        `${longScript.length}-char chunked script ${long.toFixed(2)} ms (${(long / reused).toFixed(1)}x a short command)`,
    );
  } finally {
    await server.close();
  }
}

console.log(`WinRM client against the local test server, ${COMMANDS} commands per case`);
await measure('basic', true);
await measure('ntlm', true);
await measure('ntlm', false);

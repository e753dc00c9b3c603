/**
 * Transport overhead: the cost of one trivial command (`true`) through the
 * pooled ssh2 transport in both command modes (persistent shell pool, the
 * default on POSIX hosts; one exec channel per command) against the baseline
 * of one OpenSSH client process per command (BatchMode, same key, same
 * known_hosts, same sshd), measured in the same run, sequentially, in
 * interleaved rounds.
 *
 *   node --import tsx bench/transport-overhead.ts [commands=200]
 */
import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { percentile } from '../harness/model/summary.js';
import { createSshTransport } from '../harness/transport/ssh.js';
import type { Transport } from '../harness/transport/transport.js';
import { fixtureTransportContext, sshdHostConfig, startSshd } from '../test/support/sshd.js';

const run = promisify(execFile);
const commands = Math.max(20, Number(process.argv[2] ?? 200));
const WARM_UP = 5;
const TARGET_RATIO = 20;

async function timeEach(count: number, once: () => Promise<void>): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await once();
    durations.push(performance.now() - started);
  }
  return durations;
}

function summary(label: string, durations: number[]): { median: number; p95: number } {
  const median = percentile(durations, 50)!;
  const p95 = percentile(durations, 95)!;
  console.log(`${label.padEnd(44)} median ${median.toFixed(2).padStart(8)} ms   p95 ${p95.toFixed(2).padStart(8)} ms`);
  return { median, p95 };
}

await using sshd = await startSshd();
await using shellPool = createSshTransport(sshdHostConfig(sshd), fixtureTransportContext(), { commandMode: 'shell' });
await using execChannels = createSshTransport(sshdHostConfig(sshd), fixtureTransportContext(), { commandMode: 'exec' });

const sshArgs = [
  '-o', 'BatchMode=yes',
  '-o', 'StrictHostKeyChecking=yes',
  '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`,
  '-o', 'IdentitiesOnly=yes',
  '-i', sshd.keyPath,
  '-p', String(sshd.port),
  `${sshd.user}@${sshd.host}`,
  'true',
];
// With a timeout is what the engine does: every command it runs is killable (see ssh-posix-run.ts).
function once(transport: Transport, label: string, timeoutMs?: number): () => Promise<void> {
  return async () => {
    const result = await transport.exec('true', timeoutMs === undefined ? {} : { timeoutMs });
    if (result.exitCode !== 0) throw new Error(`${label}: exit ${result.exitCode}: ${result.stderr}`);
  };
}
const processOnce = async () => {
  await run('ssh', sshArgs);
};

const modes = [
  { label: 'shell pool (default)', once: once(shellPool, 'shell pool') },
  { label: 'shell pool, with timeout', once: once(shellPool, 'shell pool', 30_000) },
  { label: 'exec channel per command', once: once(execChannels, 'exec channels') },
  { label: 'exec channel, with timeout', once: once(execChannels, 'exec channels', 30_000) },
];
for (const mode of modes) await timeEach(WARM_UP, mode.once);
await timeEach(WARM_UP, processOnce);
// Interleaved in rounds, so a change in the machine's load (other work) weighs on every path alike.
const ROUND = 10;
const measured = modes.map((mode) => ({ label: mode.label, durations: [] as number[] }));
const processes: number[] = [];
for (let done = 0; done < commands; done += ROUND) {
  const count = Math.min(ROUND, commands - done);
  for (const [index, mode] of modes.entries()) measured[index]!.durations.push(...(await timeEach(count, mode.once)));
  processes.push(...(await timeEach(count, processOnce)));
}

console.log(`transport overhead: ${commands} x \`true\` against one real sshd on 127.0.0.1 (after ${WARM_UP} warm-up runs each)`);
// Every path is dominated by process start-up on the host, so the machine's load shapes the figures.
console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const processStats = summary('one ssh process per command', processes);
for (const { label, durations } of measured) {
  const stats = summary(`ssh2 transport: ${label}`, durations);
  const ratio = processStats.median / stats.median;
  const verdict = ratio >= TARGET_RATIO ? 'met' : 'NOT met';
  console.log(`  ratio process / this: median ${ratio.toFixed(1)}x, p95 ${(processStats.p95 / stats.p95).toFixed(1)}x (target >= ${TARGET_RATIO}x: ${verdict})`);
}

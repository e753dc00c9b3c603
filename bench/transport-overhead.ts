/**
 * Transport overhead: the cost of one trivial command (`true`) through the
 * pooled ssh2 transport (one connection, one channel per command) against the
 * baseline of one OpenSSH client process per command (BatchMode, same key,
 * same known_hosts, same sshd), measured in the same run, sequentially.
 *
 *   node --import tsx bench/transport-overhead.ts [commands=200]
 */
import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { percentile } from '../harness/model/summary.js';
import { createSshTransport } from '../harness/transport/ssh.js';
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
  console.log(`${label.padEnd(34)} median ${median.toFixed(2).padStart(8)} ms   p95 ${p95.toFixed(2).padStart(8)} ms`);
  return { median, p95 };
}

await using sshd = await startSshd();
await using transport = createSshTransport(sshdHostConfig(sshd), fixtureTransportContext());

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
const pooledOnce = async () => {
  const result = await transport.exec('true');
  if (result.exitCode !== 0) throw new Error(`pooled transport: exit ${result.exitCode}: ${result.stderr}`);
};
// What the engine does: every command has a timeout, so it is sent killable (see ssh-posix-run.ts).
const pooledKillableOnce = async () => {
  const result = await transport.exec('true', { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw new Error(`pooled transport: exit ${result.exitCode}: ${result.stderr}`);
};
const processOnce = async () => {
  await run('ssh', sshArgs);
};

await timeEach(WARM_UP, pooledOnce);
await timeEach(WARM_UP, processOnce);
const pooled = await timeEach(commands, pooledOnce);
const pooledKillable = await timeEach(commands, pooledKillableOnce);
const processes = await timeEach(commands, processOnce);

console.log(`transport overhead: ${commands} x \`true\` against one real sshd on 127.0.0.1 (after ${WARM_UP} warm-up runs each)`);
// Both sides are dominated by process start-up on the host, so the machine's load shapes the figures.
console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const pooledStats = summary('pooled ssh2 transport (1 conn)', pooled);
const killableStats = summary('pooled, with timeout (killable)', pooledKillable);
const processStats = summary('one ssh process per command', processes);
const ratio = processStats.median / pooledStats.median;
console.log(`median ratio (process / pooled)   ${ratio.toFixed(1)}x   (p95 ratio ${(processStats.p95 / pooledStats.p95).toFixed(1)}x; target >= ${TARGET_RATIO}x: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})`);
console.log(`median ratio (process / killable) ${(processStats.median / killableStats.median).toFixed(1)}x`);

/**
 * Lost-host detection: a container lab host is frozen with `podman pause` while
 * its attempt observes; the figure is the time from the pause to the run's
 * `host_quarantined` event for it (the host declared lost, the attempt
 * inconclusive `transport_lost`, its revert left in the journal). Each trial
 * resumes the host afterwards, and the next run replays the pending revert
 * first. The other host's attempt runs alongside, as in a real run. Baseline
 * measured in the same run: the lab's ssh keepalive budget
 * (keepalive × (keepalive_count_max + 1)), the part of the figure that is
 * waiting by design. Target: every trial ≤ 15 s.
 *
 *   node --import tsx bench/lost-host.ts [trials=3]
 *
 * Needs Podman and the lab host image (scripts/setup.sh; the first run builds it).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { RevertJournal } from '../harness/journal/journal.js';
import { LOST_HOST, runAndPauseMidAttempt, startLostHostLab } from '../test/support/lost-host.js';
import { tempDir } from '../test/support/tmp.js';

const TRIALS = Math.max(1, Number(process.argv[2] ?? 3));
const TARGET_MS = 15_000;

await using dir = await tempDir('chaoslab-bench-lost-host-');
await using lost = await startLostHostLab(`bench-lost-host-${process.pid}`, dir.path);
const journal = new RevertJournal(join(dir.path, 'journal'));
const transport = lost.lab.config.hosts.find((h) => h.name === LOST_HOST)!.transport;
const budget = transport.kind === 'ssh' ? transport.keepalive * (transport.keepalive_count_max + 1) : Number.NaN;

console.log(`lost-host: pause → quarantine of a host paused mid-attempt, ${TRIALS} trial(s), target ≤ ${TARGET_MS} ms each`);
console.log(`  keepalive budget (waiting by design): ≤ ${budget} ms`);
const figures: number[] = [];
for (let trial = 1; trial <= TRIALS; trial += 1) {
  const result = await runAndPauseMidAttempt(lost, journal, join(dir.path, `reports-${trial}`));
  await lost.resume(LOST_HOST);
  const detection = result.detectionMs ?? Number.POSITIVE_INFINITY;
  figures.push(detection);
  const verdict = result.result.model.attempts.find((a) => a.host === LOST_HOST)?.verdict;
  const pending = (await journal.pending()).entries.length;
  console.log(`  trial ${trial}: ${Number.isFinite(detection) ? `${detection} ms` : 'never quarantined'}  (${verdict?.kind}${verdict && 'reason' in verdict ? ` ${verdict.reason}` : ''}, ${pending} revert(s) pending)`);
}
const worst = Math.max(...figures);
console.log(`worst ${worst} ms, best ${Math.min(...figures)} ms: ${worst <= TARGET_MS ? 'PASS' : 'MISS'} (target ≤ ${TARGET_MS} ms)`);
console.log(`uptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);

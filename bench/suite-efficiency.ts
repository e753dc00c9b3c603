/**
 * How well the scheduler packs the linux-full suite. Runs it for real against a
 * container lab (brought up first) running the chosen healing stack, and
 * compares its wall time with:
 *   critical path  the longest chain that MUST run one after another: for each host
 *                  and resource, the attempts touching it (their measured spans:
 *                  preflight → inject → heal → revert → baseline), summed; the
 *                  largest such sum. No scheduler can beat it.
 *   per host       the same attempts, one at a time per host (hosts in parallel).
 *   fixed window   one at a time, each waiting its whole window instead of its heal.
 * Target: wall / critical path ≤ 1.15. Figures from measured spans of this run,
 * plus the stack's own time to restore (p50/p95 of the restored attempts).
 * Run: node --import tsx bench/suite-efficiency.ts [--stack reference|cfengine|puppet] [--out DIR]
 * (--out keeps the run's reports, scorecards included, in DIR; else they go to a temporary folder.
 * --lab-is-up skips `lab up`: on a loaded machine a Puppet lab's first runs take minutes.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { percentile } from '../harness/model/summary.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

interface Phase { phase: string; start: number; end: number }
interface Attempt { attemptId: string; scenarioId: string; host: string; windowMs: number; holdMs: number; phases: Phase[]; verdict: { kind: string }; timings: { restoreMs?: number } }

/** Each stack's shipped inventory (its observers and expectations come with it). */
const STACK_LABS: Record<string, string> = { reference: 'lab/embedded.yaml', cfengine: 'lab/cfengine.yaml', puppet: 'lab/puppet.yaml' };
const stackArg = process.argv.indexOf('--stack');
const stack = stackArg === -1 ? 'reference' : process.argv[stackArg + 1] ?? '';
const labFile = STACK_LABS[stack];
if (!labFile) {
  console.error(`--stack must be one of ${Object.keys(STACK_LABS).join(', ')} (got ${JSON.stringify(stack)})`);
  process.exit(2);
}


async function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await run(process.execPath, [join(root, 'bin/chaoslab.js'), ...args], { cwd: root, env, maxBuffer: 64 * 1024 * 1024 }).catch((error: { code?: number; stderr?: string }) => {
    // Exit 1 = some expectations failed (the reference healer's known gaps): the run itself is complete.
    if (error.code !== 1) throw new Error(`chaoslab ${args.join(' ')} exited ${error.code}: ${error.stderr}`);
  });
}

async function scenarioResources(): Promise<Map<string, string[]>> {
  const dir = join(root, 'scenarios/linux');
  const map = new Map<string, string[]>();
  for (const file of await readdir(dir)) {
    const scenario = parse(await readFile(join(dir, file), 'utf8')) as { id: string; resources?: string[] };
    map.set(scenario.id, scenario.resources?.length ? scenario.resources : ['*']);
  }
  return map;
}

/** Measured span of an attempt: from its first phase's start to its last phase's end (ms). */
function span(attempt: Attempt): number {
  return Math.max(...attempt.phases.map((p) => p.end)) - Math.min(...attempt.phases.map((p) => p.start));
}

function phaseTime(attempt: Attempt, names: readonly string[]): number {
  return attempt.phases.filter((p) => names.includes(p.phase)).reduce((sum, p) => sum + (p.end - p.start), 0);
}

function sumBy<T>(items: readonly T[], key: (item: T) => string, value: (item: T) => number): Map<string, number> {
  const sums = new Map<string, number>();
  for (const item of items) sums.set(key(item), (sums.get(key(item)) ?? 0) + value(item));
  return sums;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const outArg = process.argv.indexOf('--out');
const keep = outArg === -1 ? undefined : process.argv[outArg + 1];
const out = keep ?? (await mkdtemp(join(tmpdir(), 'chaoslab-bench-')));
try {
  if (!process.argv.includes('--lab-is-up')) {
    console.log(`bringing the ${stack} lab up (chaoslab lab up --lab ${labFile})…`);
    await cli(['lab', 'up', '--lab', labFile]);
  }
  console.log('running suite linux-full…');
  const started = performance.now();
  await cli(['run', '--suite', 'linux-full', '--lab', labFile, '--out', out, '--reporter', keep ? 'console,json,html,markdown' : 'json'], { ...process.env, CHAOSLAB_STATE_DIR: join(out, 'state') });
  const wall = performance.now() - started;
  const runJson = JSON.parse(await readFile(join(out, 'latest', 'run.json'), 'utf8')) as { attempts: Attempt[]; durationMs: number };
  const attempts = runJson.attempts.filter((a) => a.phases.length > 0);
  const resources = await scenarioResources();

  const chains = sumBy(
    attempts.flatMap((a) => (resources.get(a.scenarioId) ?? ['*']).map((resource) => ({ a, resource }))),
    ({ a, resource }) => `${a.host} ${resource}`,
    ({ a }) => span(a),
  );
  const [criticalKey, critical] = [...chains].sort((x, y) => y[1] - x[1])[0]!;
  const perHost = Math.max(...sumBy(attempts, (a) => a.host, span).values());
  const fixedWindow = attempts.reduce(
    (sum, a) => sum + phaseTime(a, ['preflight', 'snapshot', 'inject', 'confirm_drift', 'revert', 'verify_baseline']) + a.windowMs + a.holdMs,
    0,
  );
  const runWall = runJson.durationMs;

  const restores = attempts.map((a) => a.timings.restoreMs).filter((ms): ms is number => ms !== undefined);

  console.log(`\nlinux-full against ${stack}: ${attempts.length} attempts on ${new Set(attempts.map((a) => a.host)).size} hosts`);
  console.log(`wall time (run.json)        ${seconds(runWall)}   (process incl. start-up ${seconds(wall)})`);
  console.log(`critical path               ${seconds(critical)}   (${criticalKey})   wall / critical path = ${(runWall / critical).toFixed(2)} (target ≤ 1.15)`);
  console.log(`one scenario per host       ${seconds(perHost)}   ratio to wall = ${(perHost / runWall).toFixed(2)}×`);
  console.log(`fixed window, one at a time ${seconds(fixedWindow)}   ratio to wall = ${(fixedWindow / runWall).toFixed(2)}×`);
  console.log(restores.length
    ? `time to restore (${stack})    p50 ${seconds(percentile(restores, 50)!)}, p95 ${seconds(percentile(restores, 95)!)}   (${restores.length} restored attempts)`
    : `time to restore (${stack})    no attempt was restored`);
} finally {
  if (!keep) await rm(out, { recursive: true, force: true });
}

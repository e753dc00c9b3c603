/**
 * Timing margins under load: runs test files (default: the whole integration
 * suite) several times while busy loops keep every core saturated, and prints
 * the pass rate, each run's failures and the load average it met. The test lab
 * is meant to judge a heal the same on a machine far busier than it can serve;
 * a test that only passes on an idle machine shows up here, not on CI first.
 *
 *   node --import tsx bench/under-load.ts [--runs 5] [--loops-per-core 2] [files or folders…]
 *
 * Needs what the files need (scripts/setup.sh; the engine running). The busy
 * loops are child processes of this script, stopped when it ends or is
 * interrupted. Results of each run: test-results/under-load-<n>.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}
const RUNS = option('--runs', 5);
const LOOPS_PER_CORE = option('--loops-per-core', 2);
const targets = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith('--') && !all[i - 1]?.startsWith('--'));
const files = targets.length ? targets : ['test/integration'];

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; status: string; assertionResults: { fullName: string; status: string }[] }[];
}

const loops: ChildProcess[] = [];
function startLoops(): void {
  const count = cpus().length * LOOPS_PER_CORE;
  for (let i = 0; i < count; i += 1) loops.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}
function stopLoops(): void {
  for (const loop of loops.splice(0)) loop.kill('SIGKILL');
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopLoops();
    process.exit(130);
  });
}

function runVitest(output: string): Promise<number> {
  return new Promise((resolve) => {
    // vitest's own entry run by this Node: nothing else to install or find on PATH
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...files, '--reporter=dot', '--reporter=json', `--outputFile.json=${output}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

console.log(`under-load: ${files.join(' ')}, ${RUNS} run(s), ${LOOPS_PER_CORE} busy loop(s) per core on ${cpus().length} cores`);
let green = 0;
startLoops();
try {
  for (let run = 1; run <= RUNS; run += 1) {
    const output = `test-results/under-load-${run}.json`;
    const start = performance.now();
    const loads: number[] = [];
    const sampler = setInterval(() => loads.push(loadavg()[0]!), 5_000);
    const code = await runVitest(output);
    clearInterval(sampler);
    const minutes = (performance.now() - start) / 60_000;
    let result: VitestJson | undefined;
    try {
      result = JSON.parse(readFileSync(output, 'utf8')) as VitestJson;
    } catch {
      result = undefined;
    }
    const failures = result?.testResults.flatMap((file) => {
      const failed = file.assertionResults.filter((test) => test.status === 'failed').map((test) => `${file.name.replace(`${process.cwd()}/`, '')} › ${test.fullName}`);
      return failed.length || file.status !== 'failed' ? failed : [`${file.name.replace(`${process.cwd()}/`, '')} (the file failed before its tests)`];
    }) ?? ['no results: vitest did not write its report'];
    const ok = code === 0 && failures.length === 0;
    if (ok) green += 1;
    const load = loads.length ? `load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` : `load ${loadavg()[0]!.toFixed(1)}`;
    console.log(`  run ${run}: ${ok ? 'green' : 'RED'}, ${result?.numPassedTests ?? 0} passed, ${failures.length} failed, ${minutes.toFixed(1)} min, ${load}`);
    for (const failure of failures) console.log(`    failed: ${failure}`);
  }
} finally {
  stopLoops();
}
console.log(`under-load: ${green}/${RUNS} runs green`);

// @ts-check
/**
 * Mutation testing of the core modules (docs/testing.md): StrykerJS plants small
 * bugs in these files, one at a time, and runs the unit tests (vitest.unit.config.ts)
 * against each; a mutant no test notices is a bug the tests would let through.
 * `bench/mutation-score.ts` prints the score per module from the JSON report.
 */

/** Module name → its source files. The mutated set and the per-module score both come from this list. */
export const CORE_MODULES = {
  verdict: ['harness/engine/verdict.ts'],
  correlation: ['harness/observers/correlate.ts'],
  quoting: ['harness/quoting/shell.ts', 'harness/quoting/powershell.ts', 'harness/quoting/template.ts'],
  duration: ['harness/core/duration.ts'],
  summary: ['harness/model/summary.ts'],
  journal: ['harness/journal/journal.ts', 'harness/journal/replay.ts'],
  junit: ['reporters/junit.ts'],
  attempt: ['harness/engine/attempt-machine.ts', 'harness/engine/attempt.ts', 'harness/engine/member.ts', 'harness/engine/observe.ts', 'harness/engine/host-exec.ts'],
};

// STRYKER_MODULE=quoting npx stryker run: one module, with its own report, incremental
// file and sandbox (reports/mutation/quoting/…, .stryker-tmp-quoting), so two modules
// can be measured at once without overwriting each other's results.
const only = process.env.STRYKER_MODULE;
if (only !== undefined && !(only in CORE_MODULES)) {
  throw new Error(`STRYKER_MODULE=${only} is not a core module (one of: ${Object.keys(CORE_MODULES).join(', ')})`);
}
const out = only ? `reports/mutation/${only}` : 'reports/mutation';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  mutate: only ? CORE_MODULES[only] : Object.values(CORE_MODULES).flat(),
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.unit.config.ts' },
  // 2 cores, usually shared: one sandbox at a time unless told otherwise (--concurrency 2).
  concurrency: 1,
  // Each mutant runs only the tests that cover it.
  coverageAnalysis: 'perTest',
  // A mutant that only runs while a module loads (a constant, a regex literal) would need every
  // related test in a fresh process, hours on these machines: it is counted as ignored instead.
  // Mutants that also run inside a test are still tested, by those tests.
  ignoreStatic: true,
  // A loaded machine runs a test several times slower than the initial (unmutated) run measured.
  timeoutFactor: 3,
  timeoutMS: 10_000,
  dryRunTimeoutMinutes: 30,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: `${out}/index.html` },
  jsonReporter: { fileName: `${out}/mutation.json` },
  // Local runs re-test only mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: `${out}/stryker-incremental.json`,
  // The sandbox needs sources and tests, not build output or lab state.
  ignorePatterns: ['dist', 'reports', 'lab/.state', 'test-results', '.chaoslab', '.cache'],
  tempDirName: only ? `.stryker-tmp-${only}` : '.stryker-tmp',
  cleanTempDir: 'always',
};

export default config;

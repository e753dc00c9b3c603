import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ReporterMultiplexer } from '../../../reporters/multiplexer.js';
import { parseReporterList, reporterFactories } from '../../../reporters/registry.js';
import { loadProject } from '../../config/load-project.js';
import { systemClock } from '../../core/clock.js';
import { ChaoslabError } from '../../core/errors.js';
import { parseShard, planRun, type Plan } from '../../engine/plan.js';
import { planResidueScan, type ResidueScanPlan } from '../../engine/residue-plan.js';
import { runSession } from '../../engine/session.js';
import { evaluateGates, gateExitCode, parseFailOn, parseHealRate, parseMaxInconclusive, type GateOptions } from '../../history/gates.js';
import { loadHistory, updateIndex } from '../../history/index.js';
import { resolveBaselineForGates } from '../../history/runs.js';
import { resolveInventory } from '../../journal/hosts.js';
import { defaultJournalDir, RevertJournal } from '../../journal/journal.js';
import { action } from '../action.js';
import { ExitCode, mostSevere, type ExitCodeValue } from '../exit-codes.js';
import { CHAOSLAB_VERSION } from '../program.js';

export interface RunOptions {
  lab: string;
  suite?: string;
  grep?: string;
  repeat?: number;
  concurrency?: number;
  shard?: string;
  reporter: string;
  out: string;
  dryRun?: boolean;
  allHosts?: boolean;
  baseline?: string;
  minHealRate?: string;
  failOn?: string;
  maxInconclusive?: string;
  /** `--no-residue-scan` sets it false. */
  residueScan: boolean;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
}

/** Arguments that exist on disk are scenario files/folders; the others select scenarios by id or glob. */
export function splitRunArgs(args: readonly string[]): { paths: string[]; selectors: string[] } {
  const paths = args.filter((arg) => existsSync(arg));
  return { paths, selectors: args.filter((arg) => !paths.includes(arg)) };
}

function describePlan(plan: Plan, residueScan: ResidueScanPlan | undefined): string {
  const lines = plan.attempts.map((a) => {
    const where = a.host?.name ?? a.scenario.config.target;
    const extra = a.skip ? `  skipped: ${a.skip.reason} (${a.skip.detail})` : `  resources ${a.resources.join(',')}`;
    return `  ${a.attemptId}  on ${where}${extra}`;
  });
  const runnable = plan.attempts.filter((a) => !a.skip).length;
  const touched = new Set(plan.attempts.filter((a) => !a.skip && a.host).map((a) => a.host!.name));
  const checks = [...(residueScan ?? [])].filter(([host]) => touched.has(host)).reduce((sum, [, list]) => sum + list.length, 0);
  const scan = residueScan ? `then a residue scan: ${checks} read-only check(s) on ${touched.size} host(s)` : 'no residue scan (--no-residue-scan)';
  return [`dry run: ${runnable} attempt(s) would run, ${plan.attempts.length - runnable} skipped; nothing was injected`, ...lines, scan].join('\n');
}

/** The suite's gates, each overridden by its command-line flag. */
function gateOptions(plan: Plan, options: RunOptions): GateOptions {
  const suite = plan.suite?.config.gates;
  const minHealRate = options.minHealRate !== undefined ? parseHealRate(options.minHealRate) : suite?.min_heal_rate;
  const maxInconclusive = options.maxInconclusive !== undefined ? parseMaxInconclusive(options.maxInconclusive) : suite?.max_inconclusive;
  const failOn = options.failOn !== undefined ? parseFailOn(options.failOn) : suite?.fail_on;
  return {
    ...(minHealRate !== undefined && { minHealRate }),
    ...(maxInconclusive !== undefined && { maxInconclusive }),
    ...(failOn?.length && { failOn }),
  };
}

/**
 * First SIGINT/SIGTERM: stop starting and injecting, revert what is active,
 * write the partial report, exit 130. Second: exit at once; the journal keeps
 * whatever was not reverted for `chaoslab revert --pending`.
 */
function interruptOnSignals(residueScan: boolean): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    count += 1;
    if (count === 1) {
      const then = residueScan ? ', then scanning the hosts for residue (read-only)' : '';
      process.stderr.write(`\nchaoslab: ${name}: stopping, reverting active faults${then} (send it again to exit at once; the journal keeps pending reverts)\n`);
      controller.abort(new ChaoslabError('CHAOSLAB_INTERRUPTED', `interrupted by ${name}`));
      return;
    }
    process.stderr.write(`chaoslab: ${name} again: exiting now; run \`chaoslab revert --pending\` to undo what is left\n`);
    process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export async function runRun(args: readonly string[], options: RunOptions): Promise<ExitCodeValue> {
  const reporters = parseReporterList(options.reporter);
  const { paths, selectors } = splitRunArgs(args);
  const shard = options.shard !== undefined ? parseShard(options.shard) : undefined;
  // Everything is validated and planned before the first event, journal entry or command.
  const project = await loadProject({ scenarioPaths: paths, labPath: options.lab });
  const plan = planRun(project.catalogue, project.lab!, {
    ...(options.suite !== undefined && { suite: options.suite }),
    ...(selectors.length && { select: selectors }),
    ...(options.grep !== undefined && { grep: options.grep }),
    ...(options.repeat !== undefined && { repeat: options.repeat }),
    ...(options.allHosts && { allHosts: true }),
    ...(shard && { shard }),
    expectations: project.expectations,
  });
  const gates = gateOptions(plan, options);
  if (!options.residueScan && gates.failOn?.includes('residue')) {
    throw new ChaoslabError('CHAOSLAB_USAGE', 'the residue gate (--fail-on residue, or the suite\'s fail_on) needs the residue scan: drop --no-residue-scan');
  }
  const residueScan = options.residueScan ? planResidueScan(project.catalogue, project.lab!) : undefined;
  const reportsRoot = resolve(options.out);
  if (options.dryRun) {
    process.stdout.write(`${describePlan(plan, residueScan)}\n`);
    return ExitCode.ok;
  }
  // a container lab's hosts are reached through the ports `lab up` published (CHAOSLAB_LAB_ENGINE when it is down)
  const lab = await resolveInventory(project.lab!);
  const history = existsSync(reportsRoot) ? await loadHistory(reportsRoot, { runId: '', suite: options.suite, startedAtWall: Date.now() }) : [];
  const { baseline, gates: gateSettings } = await resolveBaselineForGates(options.baseline, reportsRoot, history, gates, (m) => process.stderr.write(`chaoslab: ${m}\n`));
  const interrupt = interruptOnSignals(options.residueScan);
  try {
    const result = await runSession({
      lab,
      labFile: resolve(options.lab),
      plan,
      concurrency: options.concurrency ?? plan.concurrency ?? 4,
      reporting: (runDir, note) =>
        new ReporterMultiplexer(
          reporters.map((name) => reporterFactories[name]({ outputDir: runDir, reportsRoot, stdout: process.stdout, history, ...(baseline && { baseline }) })),
          (failure) => note(`reporter ${failure.reporter} failed in ${failure.hook}: ${failure.error.message}`),
        ),
      reportsRoot,
      argv: process.argv.slice(2),
      ...(options.suite !== undefined && { suite: options.suite }),
      ...(options.shard !== undefined && { shard: options.shard }),
      journal: new RevertJournal(defaultJournalDir()),
      ...(residueScan && { residueScan }),
      clock: systemClock,
      interrupt: interrupt.signal,
      version: CHAOSLAB_VERSION,
    });
    await updateIndex(reportsRoot);
    const verdict = evaluateGates(result.model, gateSettings, { ...(baseline && { baseline }), history });
    for (const failure of verdict.failures) process.stderr.write(`chaoslab: gate ${failure.gate} failed: ${failure.message}\n`);
    return mostSevere(result.exitCode, gateExitCode(verdict));
  } finally {
    interrupt.dispose();
  }
}

export function register(program: Command): void {
  program
    .command('run')
    .description('Inject, observe, verify and revert scenarios against a lab, then report. Pending reverts of earlier runs are replayed first; after the last attempt a read-only residue scan looks for drift left on the hosts.')
    .argument('[paths...]', 'scenario files or folders (default: scenarios/), and/or ids or globs of scenarios and bundles to run')
    .requiredOption('--lab <file>', 'lab inventory')
    .option('--suite <id>', 'run a suite (its include/exclude, repeat, concurrency, spacing)')
    .option('--grep <regex>', 'only scenarios whose id, title or tags match')
    .option('--repeat <n>', 'run each scenario n times', positiveInt)
    .option('--concurrency <n>', 'attempts at once across hosts (default: the suite\'s, else 4)', positiveInt)
    .option('--shard <i/n>', 'run only the i-th of n deterministic parts of the plan')
    .option('--reporter <list>', 'comma-separated reporters', 'console,json')
    .option('--out <dir>', 'reports folder', 'reports')
    .option('--dry-run', 'print the plan; inject nothing')
    .option('--all-hosts', 'run role-targeted scenarios on every matching host, not one')
    .option('--baseline <run>', 'compare with this earlier run (id, folder, file, or "previous": the newest earlier run of the suite) for regressions')
    .option('--min-heal-rate <rate>', 'gate: fail (exit 1) when passed/scored is below this (0.8 or 80%)')
    .option('--fail-on <kinds>', 'gate: fail when any attempt has one of these verdicts, or regression/flaky, or residue (drift the residue scan found on the lab)')
    .option('--max-inconclusive <n>', 'gate: fail when more attempts than this are inconclusive')
    .option('--no-residue-scan', 'skip the read-only residue scan after the last attempt (every fitting catalogue check, on each host the run touched)')
    .action(action((paths: string[], options: RunOptions) => runRun(paths, options)));
}

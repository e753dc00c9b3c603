import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ReporterMultiplexer } from '../../../reporters/multiplexer.js';
import { parsePushgatewayUrl } from '../../../reporters/prometheus.js';
import { parseReporterList, reporterFactories, reporterOptionHelp, withPushReporter } from '../../../reporters/registry.js';
import { failOnOptionHelp } from '../../config/fail-on.js';
import type { LabConfig } from '../../config/lab-schema.js';
import { loadProject } from '../../config/load-project.js';
import { systemClock } from '../../core/clock.js';
import { ChaoslabError, ConfigError, errorMessage } from '../../core/errors.js';
import { unresolvedSecrets } from '../../config/secrets.js';
import { parseShard, planRun, type Plan } from '../../engine/plan.js';
import { planResidueScan, type ResidueScanPlan } from '../../engine/residue-plan.js';
import { exitCodeFor, runSession } from '../../engine/session.js';
import { resolveSigner, type ManifestSigner } from '../../evidence/keys.js';
import { sealedMessage, sealRun } from '../../evidence/seal.js';
import { evaluateGates, gateExitCode, parseFailOn, parseHealRate, parseMaxInconclusive, type GateOptions } from '../../history/gates.js';
import { loadHistory, updateIndex } from '../../history/index.js';
import { baselineRef, resolveBaselineForGates } from '../../history/runs.js';
import { historyNote } from '../../model/history-view.js';
import { defaultJournalDir, RevertJournal } from '../../journal/journal.js';
import { describeElsewhere, pendingElsewhere, registerJournal } from '../../journal/registry.js';
import { resolveInventory } from '../../lab/providers.js';
import type { RunModel } from '../../model/run-model.js';
import { action } from '../action.js';
import { crashedSoFar, stopRunOnCrash } from '../crash.js';
import { SHARED_REPORTS_FLAG, SHARED_REPORTS_HELP, setReportPermissions } from '../report-permissions.js';
import { ExitCode, mostSevere, type ExitCodeValue } from '../../core/exit-codes.js';
import { reporterContext } from '../reporter-context.js';
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
  host?: string[];
  baseline?: string;
  /** `--no-history` sets false: no automatic comparison with the previous run. */
  history: boolean;
  minHealRate?: string;
  failOn?: string;
  maxInconclusive?: string;
  /** `--no-residue-scan` sets it false. */
  residueScan: boolean;
  pushgateway?: string;
  signingKey?: string;
  sharedReports?: boolean;
  reportUrl?: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
}

/** `--host a --host b`: every name given, in order. */
function collectHosts(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
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
 * whatever was not reverted for `chaoslab revert --pending`. An unexpected
 * error (crash.ts) stops the run the same way as a first signal.
 */
export function interruptOnSignals(residueScan: boolean): { signal: AbortSignal; dispose: () => void } {
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
  const disposeCrash = stopRunOnCrash((error) => {
    count += 1;
    controller.abort(new ChaoslabError('CHAOSLAB_INTERRUPTED', `stopped by an unexpected error: ${errorMessage(error)}`));
  });
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      disposeCrash();
    },
  };
}

/** Signs the run folder at the end of the run; a failure is printed and makes the run exit 4, like a failed reporter. */
function runSealer(signer: ManifestSigner, argv: readonly string[]): { seal: (runDir: string, run: RunModel) => Promise<void>; failed: () => boolean } {
  let failed = false;
  return {
    seal: async (runDir, run) => {
      try {
        await sealRun(runDir, run, { signer, argv, version: CHAOSLAB_VERSION });
        process.stdout.write(sealedMessage(runDir, signer));
      } catch (error) {
        failed = true;
        process.stderr.write(`chaoslab: cannot write the run's manifest.json: ${errorMessage(error)}\n`);
      }
    },
    failed: () => failed,
  };
}

/** Lists this journal for later runs started elsewhere, and says loudly when another journal has pending reverts for this lab's hosts. */
async function warnAboutOtherJournals(journalDir: string, lab: LabConfig): Promise<void> {
  const problem = await registerJournal(journalDir);
  if (problem) process.stderr.write(`chaoslab: warning: ${problem}; runs started elsewhere will not find this journal\n`);
  for (const line of describeElsewhere(await pendingElsewhere(journalDir, lab.hosts))) process.stderr.write(`chaoslab: WARNING: ${line}\n`);
}

export async function runRun(args: readonly string[], options: RunOptions): Promise<ExitCodeValue> {
  const reporters = withPushReporter(parseReporterList(options.reporter), options.pushgateway);
  if (options.pushgateway !== undefined) parsePushgatewayUrl(options.pushgateway);
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
    ...(options.host?.length && { hosts: options.host }),
    ...(shard && { shard }),
    expectations: project.expectations,
  });
  const gates = gateOptions(plan, options);
  if (!options.residueScan && gates.failOn?.includes('residue')) {
    throw new ChaoslabError('CHAOSLAB_USAGE', 'the residue gate (--fail-on residue, or the suite\'s fail_on) needs the residue scan: drop --no-residue-scan');
  }
  const residueScan = options.residueScan ? planResidueScan(project.catalogue, project.lab!) : undefined;
  // A credential that does not resolve stops the run here, naming it: later it would look like a lost host.
  const hostsInUse = new Set(plan.attempts.filter((a) => !a.skip && a.host).map((a) => a.host!.name));
  const missing = await unresolvedSecrets(project.lab!, options.lab, project.labSource!, hostsInUse);
  if (missing.length) throw new ConfigError(missing, 'CHAOSLAB_SECRET_UNRESOLVED');
  const reportsRoot = resolve(options.out);
  if (options.dryRun) process.stdout.write(`${describePlan(plan, residueScan)}\n`);
  const signer = await resolveSigner(options.signingKey, { stateDir: dirname(defaultJournalDir()), labName: project.lab!.name });
  const argv = process.argv.slice(2);
  const sealer = runSealer(signer, argv);
  // the hosts as the lab's provider reaches them: a container lab's published ports (CHAOSLAB_LAB_ENGINE when it is down); a dry run reaches none
  const lab = options.dryRun ? project.lab! : await resolveInventory(project.lab!, resolve(options.lab));
  const history = options.history && existsSync(reportsRoot) ? await loadHistory(reportsRoot, { runId: '', suite: options.suite, lab: project.lab!.name, startedAtWall: Date.now() }) : [];
  const asked = baselineRef(options.baseline, options.history);
  const { baseline, gates: gateSettings } = await resolveBaselineForGates(asked.ref, reportsRoot, history, gates, (m) => process.stderr.write(`chaoslab: ${m}\n`), asked.implicit);
  const comparedWith = historyNote({ suite: options.suite, lab: project.lab!.name }, history, baseline, options.history);
  setReportPermissions(options.sharedReports);
  const journal = new RevertJournal(defaultJournalDir());
  // an unsafe state directory is a usage error (exit 2) before anything is injected
  await journal.assertPrivate();
  await warnAboutOtherJournals(journal.dir, lab);
  const interrupt = interruptOnSignals(options.residueScan);
  const judge = (model: RunModel) => {
    const gates = evaluateGates(model, gateSettings, { ...(baseline && { baseline }), history });
    return { exitCode: mostSevere(exitCodeFor(model, interrupt.signal.aborted), gateExitCode(gates)), failedGates: gates.failures };
  };
  try {
    const result = await runSession({
      lab,
      labFile: resolve(options.lab),
      plan,
      concurrency: options.concurrency ?? plan.concurrency ?? 4,
      reporting: (runDir, note) =>
        new ReporterMultiplexer(
          reporters.map((name) =>
            reporterFactories[name](reporterContext({ outputDir: runDir, reportsRoot, stdout: process.stdout, history, baseline, historyNote: comparedWith, judge, signer, options })),
          ),
          (failure) => note(`reporter ${failure.reporter} failed in ${failure.hook}: ${failure.error.message}`),
        ),
      reportsRoot,
      argv,
      ...(options.suite !== undefined && { suite: options.suite }),
      ...(options.shard !== undefined && { shard: options.shard }),
      journal,
      ...(residueScan && { residueScan }),
      clock: systemClock,
      interrupt: interrupt.signal,
      version: CHAOSLAB_VERSION,
      ...(options.dryRun && { dryRun: true }),
      seal: sealer.seal,
    });
    await updateIndex(reportsRoot);
    const verdict = judge(result.model);
    for (const failure of verdict.failedGates) process.stderr.write(`chaoslab: gate ${failure.gate} failed: ${failure.message}\n`);
    if (crashedSoFar()) {
      process.stderr.write('chaoslab: the run was stopped by an unexpected error (above); its active faults were reverted\n');
      return ExitCode.labErrors;
    }
    return mostSevere(result.exitCode, verdict.exitCode, sealer.failed() ? ExitCode.reporterFailed : ExitCode.ok);
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
    .option('--reporter <list>', reporterOptionHelp(), 'console,json')
    .option('--out <dir>', 'reports folder', 'reports')
    .option('--dry-run', 'print the plan and write it as a scorecard of skipped (dry_run) attempts; contact no host, inject nothing')
    .option('--all-hosts', 'run role-targeted scenarios on every matching host, not one')
    .option('--host <name>', 'only on this host of the lab (repeatable); scenarios that fit none of the named hosts are skipped as filtered', collectHosts)
    .option('--baseline <run>', 'compare with this earlier run (id, folder, file, or "previous") for regressions; default: the previous run of the same suite and lab in the reports folder, when there is one')
    .option('--no-history', 'do not compare with earlier runs (no default baseline, trend or "failing since")')
    .option('--min-heal-rate <rate>', 'gate: fail (exit 1) when passed/scored is below this (0.8 or 80%)')
    .option('--fail-on <kinds>', failOnOptionHelp())
    .option('--max-inconclusive <n>', 'gate: fail when more attempts than this are inconclusive')
    .option('--pushgateway <url>', 'push the run\'s Prometheus metrics to this Pushgateway (job "chaoslab", grouped by lab); adds the prometheus reporter')
    .option('--signing-key <ref>', 'Ed25519 private key (PKCS#8 PEM) that signs the run\'s manifest.json: file:<path> or env:<NAME> (default: the lab\'s own key under the state directory, created on first use)')
    .option(SHARED_REPORTS_FLAG, SHARED_REPORTS_HELP)
    .option('--report-url <url>', 'where the HTML scorecard will be published: Markdown and GitHub annotations link to its attempts')
    .option('--no-residue-scan', 'skip the read-only residue scan after the last attempt (every fitting catalogue check, on each host the run touched)')
    .action(action((paths: string[], options: RunOptions) => runRun(paths, options)));
}

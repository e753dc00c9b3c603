import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { HTML_REPORT_FILE } from '../../../reporters/html.js';
import { baselineSection } from '../../../reporters/markdown.js';
import { ReporterMultiplexer } from '../../../reporters/multiplexer.js';
import { parsePushgatewayUrl } from '../../../reporters/prometheus.js';
import { parseReporterList, reporterFactories, reporterOptionHelp, withPushReporter } from '../../../reporters/registry.js';
import { failOnOptionHelp } from '../../config/fail-on.js';
import { exitCodeFor } from '../../engine/session.js';
import { foldLogFile, mergeRunModels } from '../../events/fold.js';
import { writeRunJson } from '../../events/run-json.js';
import { fingerprintFromRef, labKeyFingerprint, resolveSigner, type ManifestSigner } from '../../evidence/keys.js';
import { sealedMessage, sealMerge, sealReport } from '../../evidence/seal.js';
import { trustSource, trustSources, type SourceTrust } from '../../evidence/trust.js';
import { defaultJournalDir } from '../../journal/journal.js';
import type { FailOnKind } from '../../config/fail-on.js';
import { evaluateGates, gateExitCode, parseFailOn, parseHealRate, parseMaxInconclusive, type GateOptions } from '../../history/gates.js';
import { loadHistory, updateIndex } from '../../history/index.js';
import { baselineRef, loadRun, PREVIOUS_RUN, resolveBaselineForGates, resolveRunFile } from '../../history/runs.js';
import { historyNote } from '../../model/history-view.js';
import { diffAgainstBaseline } from '../../model/baseline-diff.js';
import type { RunModel } from '../../model/run-model.js';
import { action } from '../action.js';
import { registerPrune } from './report-prune.js';
import { SHARED_REPORTS_FLAG, SHARED_REPORTS_HELP, setReportPermissions } from '../report-permissions.js';
import { reporterContext } from '../reporter-context.js';
import { serveFolder } from '../report-server.js';
import { ExitCode, mostSevere, type ExitCodeValue } from '../../core/exit-codes.js';
import { CHAOSLAB_VERSION } from '../program.js';
import { errorMessage } from '../../core/errors.js';

/**
 * `chaoslab report`: re-render a run from its event log, merge shards into one
 * scorecard, diff two runs, open (or serve on 127.0.0.1) a scorecard. Re-rendering
 * judges the run again: its exit code is the run's (expectations, lab errors),
 * the gates', and 4 when a reporter failed.
 */
interface RenderOptions {
  reporter: string;
  out?: string;
  reports: string;
  baseline?: string;
  history: number;
  minHealRate?: number;
  failOn?: FailOnKind[];
  maxInconclusive?: number;
  pushgateway?: string;
  signingKey?: string;
  trustKey?: string[];
  sharedReports?: boolean;
  reportUrl?: string;
}

const DEFAULT_REPORTERS = 'console,html,markdown,junit';

function wrap<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError(errorMessage(error));
    }
  };
}

function gateOptions(options: RenderOptions): GateOptions {
  return {
    ...(options.minHealRate !== undefined && { minHealRate: options.minHealRate }),
    ...(options.failOn !== undefined && { failOn: options.failOn }),
    ...(options.maxInconclusive !== undefined && { maxInconclusive: options.maxInconclusive }),
  };
}

/** The key that signs what `report` writes: `--signing-key`, else the run's lab's own key. */
function signerFor(model: RunModel, options: { signingKey?: string }): Promise<ManifestSigner> {
  return resolveSigner(options.signingKey, { stateDir: dirname(defaultJournalDir()), labName: model.lab });
}

/**
 * The keys whose signature `report` accepts on what it re-renders
 * (evidence/trust.ts): the one it signs with, the lab's own key when this state
 * directory has it, and every `--trust-key`.
 */
async function trustedKeys(signer: ManifestSigner, labs: readonly string[], refs: readonly string[] = []): Promise<string[]> {
  const keys = [signer.fingerprint];
  for (const lab of new Set(labs)) {
    const own = await labKeyFingerprint(dirname(defaultJournalDir()), lab);
    if (own) keys.push(own);
  }
  for (const ref of refs) keys.push(await fingerprintFromRef(ref, '--trust-key'));
  return [...new Set(keys)];
}

/** The signer to name in the reports: none when the manifest will be written unsigned. */
const namedSigner = (signer: ManifestSigner, trust: SourceTrust) => ('unsigned' in trust ? undefined : signer);
const unsignedOf = (trust: SourceTrust) => ('unsigned' in trust ? { unsigned: trust.unsigned } : {});

/** Renders `model` with the chosen reporters into `outputDir`, then applies the gates. */
export async function renderRun(model: RunModel, outputDir: string, options: RenderOptions, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, signer?: ManifestSigner): Promise<ExitCodeValue> {
  const names = withPushReporter(parseReporterList(options.reporter), options.pushgateway);
  const reportsRoot = resolve(options.reports);
  // history on (--history above 0, the default): compare with the previous run of the suite and lab unless --baseline names one
  const asked = baselineRef(options.baseline, options.history > 0);
  const wantsPrevious = asked.ref === PREVIOUS_RUN;
  const history = existsSync(reportsRoot) ? await loadHistory(reportsRoot, model, Math.max(options.history, wantsPrevious ? 1 : 0)) : [];
  const { baseline, gates: gateSettings } = await resolveBaselineForGates(asked.ref, reportsRoot, history, gateOptions(options), (m) => err.write(`chaoslab: ${m}\n`), asked.implicit);
  await mkdir(outputDir, { recursive: true });
  const judged = { ...(baseline && { baseline }), history: history.slice(0, options.history) };
  const judge = (run: RunModel) => {
    const gates = evaluateGates(run, gateSettings, judged);
    return { exitCode: mostSevere(exitCodeFor(run, false), gateExitCode(gates)), failedGates: gates.failures };
  };
  const context = reporterContext({ outputDir, reportsRoot, stdout: out, ...judged, historyNote: historyNote(model, history, baseline, options.history > 0), judge, signer, options });
  const mux = new ReporterMultiplexer(
    names.map((name) => reporterFactories[name](context)),
    (failure) => err.write(`chaoslab: reporter ${failure.reporter} failed in ${failure.hook}: ${failure.error.message}\n`),
  );
  await mux.onRunStart(model);
  await mux.onRunEnd(model);
  for (const file of mux.files()) out.write(`wrote ${file}\n`);
  const verdict = judge(model);
  for (const failure of verdict.failedGates) err.write(`chaoslab: gate ${failure.gate} failed: ${failure.message}\n`);
  return mostSevere(verdict.exitCode, mux.failures().length ? ExitCode.reporterFailed : ExitCode.ok);
}

const sealContext = (signer: ManifestSigner) => ({ signer, argv: process.argv.slice(2), version: CHAOSLAB_VERSION });

async function reportCommand(source: string | undefined, options: RenderOptions): Promise<ExitCodeValue> {
  setReportPermissions(options.sharedReports);
  const run = await loadRun(source, resolve(options.reports));
  const signer = await signerFor(run.model, options);
  // before anything is written: a folder that does not verify is refused as it is
  const trust = await trustSource(run.dir, await trustedKeys(signer, [run.model.lab], options.trustKey));
  const outputDir = resolve(options.out ?? run.dir);
  const code = await renderRun(run.model, outputDir, options, process.stdout, process.stderr, namedSigner(signer, trust));
  await sealReport(outputDir, run.dir, run.model, { ...sealContext(signer), ...unsignedOf(trust) });
  process.stdout.write(sealedMessage(outputDir, signer, trust));
  if (existsSync(options.reports)) await updateIndex(resolve(options.reports));
  return code;
}

async function mergeCommand(logs: string[], options: RenderOptions): Promise<ExitCodeValue> {
  setReportPermissions(options.sharedReports);
  const shards = await Promise.all(
    logs.map(async (log) => {
      if (log.endsWith('.jsonl')) return { model: await foldLogFile(resolve(log)), log: resolve(log), what: log };
      const run = await loadRun(log, resolve(options.reports));
      return { model: run.model, ...(run.source.endsWith('.jsonl') && { log: run.source }), what: log };
    }),
  );
  const models = shards.map((shard) => shard.model);
  const merged = mergeRunModels(models);
  const signer = await signerFor(merged, options);
  const sources = shards.map((shard) => ({ what: shard.what, ...(shard.log && basename(shard.log) === 'events.jsonl' && { dir: dirname(shard.log) }) }));
  const trust = await trustSources(sources, await trustedKeys(signer, [merged.lab, ...models.map((m) => m.lab)], options.trustKey));
  const outputDir = resolve(options.out ?? join(options.reports, `${merged.runId}-merged`));
  await mkdir(outputDir, { recursive: true });
  process.stdout.write(`merged ${models.length} logs (${merged.attempts.length} attempts) into ${outputDir}\n`);
  await writeRunJson(outputDir, merged);
  const code = await renderRun(merged, outputDir, options, process.stdout, process.stderr, namedSigner(signer, trust));
  await sealMerge(outputDir, shards.map((shard) => ({ runId: shard.model.runId, ...(shard.log && { log: shard.log }) })), merged, { ...sealContext(signer), ...unsignedOf(trust) });
  process.stdout.write(sealedMessage(outputDir, signer, trust));
  if (existsSync(options.reports)) await updateIndex(resolve(options.reports));
  return code;
}

async function diffCommand(before: string, after: string, options: { reports: string; json?: boolean }): Promise<ExitCodeValue> {
  const reportsRoot = resolve(options.reports);
  const [a, b] = [(await loadRun(before, reportsRoot, 'model')).model, (await loadRun(after, reportsRoot, 'model')).model];
  const diff = diffAgainstBaseline(b, a);
  process.stdout.write(options.json ? `${JSON.stringify(diff, null, 2)}\n` : `${baselineSection(b, a).join('\n').trim()}\n`);
  return diff.counts.regression ? ExitCode.expectationFailed : ExitCode.ok;
}

/** Serves the run folder (report-server.ts) on 127.0.0.1 until SIGINT/SIGTERM. */
async function serveDir(dir: string, port: number): Promise<void> {
  const served = await serveFolder(dir, { port, index: HTML_REPORT_FILE });
  process.stdout.write(`serving ${dir} at http://127.0.0.1:${served.port}${served.base} (only this address works: keep it to yourself; Ctrl-C to stop)\n`);
  await new Promise<void>((stop) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      void served.close().then(stop);
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  });
}

async function openCommand(source: string | undefined, options: { reports: string; serve?: boolean; port: number }): Promise<ExitCodeValue> {
  const reportsRoot = resolve(options.reports);
  const { dir } = resolveRunFile(source, reportsRoot);
  const file = join(dir, HTML_REPORT_FILE);
  if (!existsSync(file)) {
    const run = await loadRun(source, reportsRoot);
    const signer = await signerFor(run.model, {});
    const trust = await trustSource(dir, await trustedKeys(signer, [run.model.lab]));
    const code = await renderRun(run.model, dir, { reporter: 'html', reports: options.reports, history: 10 }, process.stdout, process.stderr, namedSigner(signer, trust));
    if (code === ExitCode.reporterFailed) return code;
    await sealReport(dir, dir, run.model, { ...sealContext(signer), ...unsignedOf(trust) });
  }
  process.stdout.write(`${file}\n`);
  if (options.serve) await serveDir(dir, options.port);
  return ExitCode.ok;
}

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0-65535 (0 picks a free one)');
  return n;
}

function historyLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

function withRenderOptions(command: Command): Command {
  return command
    .option('--reporter <list>', reporterOptionHelp(), DEFAULT_REPORTERS)
    .option('--reports <dir>', 'reports folder (history, run ids, latest)', 'reports')
    .option('--baseline <run>', 'compare with this run (folder, events.jsonl, run.json, run id, or "previous"): regressions, new heals, timing changes; default: the previous run of the same suite and lab, unless --history 0')
    .option('--history <n>', 'earlier runs of the same suite and lab for trends, flaky detection and "failing since" (0: none, and no default baseline)', historyLimit, 10)
    .option('--min-heal-rate <rate>', 'gate: fail (exit 1) below this heal rate, e.g. 0.8 or 80%', wrap(parseHealRate))
    .option('--fail-on <list>', failOnOptionHelp(), wrap(parseFailOn))
    .option('--max-inconclusive <n>', 'gate: fail (exit 1) with more inconclusive attempts than this', wrap(parseMaxInconclusive))
    .option('--pushgateway <url>', 'push the run\'s Prometheus metrics to this Pushgateway (job "chaoslab", grouped by lab); adds the prometheus reporter', wrap(parsePushgatewayUrl))
    .option('--signing-key <ref>', 'Ed25519 private key (PKCS#8 PEM) that signs the new manifest.json: file:<path> or env:<NAME> (default: the run\'s lab\'s own key under the state directory)')
    .option('--trust-key <key>', 'also accept this key\'s signature on the folder re-rendered (repeatable; besides the signing key and the lab\'s own key): a fingerprint SHA256:…, file:<pem>, env:<NAME> or the key. A folder that does not verify is refused (exit 2); one never sealed is re-rendered with an unsigned manifest', (value: string, previous: string[] = []) => [...previous, value])
    .option(SHARED_REPORTS_FLAG, SHARED_REPORTS_HELP)
    .option('--report-url <url>', 'where the HTML scorecard will be published: Markdown and GitHub annotations link to its attempts');
}

export function register(program: Command): void {
  // Commander lets `report merge --out x` reach the subcommand only when every level has positional options.
  program.enablePositionalOptions();
  const report = withRenderOptions(
    program
      .command('report')
      .description('Re-render a run from its events.jsonl (default: reports/latest) and sign its folder again — only when the folder verifies against a trusted key (refused otherwise, exit 2; a folder never sealed gets an unsigned manifest that says why); merge, diff, open or prune scorecards. Exit code: the run\'s (0/1/3), 1 when a gate fails, 4 when a reporter failed.')
      .argument('[run]', 'run folder, events.jsonl, run.json or run id (default: reports/latest)')
      .option('--out <dir>', 'write the reports here (default: the run\'s folder)')
      .enablePositionalOptions(),
  ).action(action((source: string | undefined, options: RenderOptions) => reportCommand(source, options)));

  withRenderOptions(
    report
      .command('merge')
      .description('Merge the event logs of several shards (run --shard i/n) or machines into one scorecard.')
      .argument('<logs...>', 'events.jsonl files or run folders')
      .option('--out <dir>', 'output folder (default: reports/<run-id>-merged)'),
  ).action(action((logs: string[], options: RenderOptions) => mergeCommand(logs, options)));

  report
    .command('diff')
    .description('What changed from run <before> to run <after>: regressions, new heals, timing changes. Exits 1 when there are regressions.')
    .argument('<before>', 'the baseline run')
    .argument('<after>', 'the newer run')
    .option('--reports <dir>', 'reports folder', 'reports')
    .option('--json', 'print the diff as JSON')
    .action(action((before: string, after: string, options: { reports: string; json?: boolean }) => diffCommand(before, after, options)));

  registerPrune(report);

  report
    .command('open')
    .description('Print the path of a run\'s HTML scorecard (rendering it if missing); --serve serves it on 127.0.0.1.')
    .argument('[run]', 'run folder or id (default: reports/latest)')
    .option('--reports <dir>', 'reports folder', 'reports')
    .option('--serve', 'serve the run folder on 127.0.0.1 until Ctrl-C')
    .option('--port <n>', 'port for --serve (0 picks a free one)', port, 0)
    .action(action((source: string | undefined, options: { reports: string; serve?: boolean; port: number }) => openCommand(source, options)));
}

import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadProject } from '../../config/load-project.js';
import { unresolvedSecrets } from '../../config/secrets.js';
import { systemClock } from '../../core/clock.js';
import { ChaoslabError, ConfigError } from '../../core/errors.js';
import { ExitCode, type ExitCodeValue } from '../../core/exit-codes.js';
import { healerPauses } from '../../engine/healer-control.js';
import { planSelfTest } from '../../engine/self-test-plan.js';
import { runSelfTestSession, SELFTEST_FILE } from '../../engine/self-test-session.js';
import { defaultJournalDir, RevertJournal } from '../../journal/journal.js';
import { resolveInventory } from '../../lab/providers.js';
import { action } from '../action.js';
import { renderSelfTest } from '../selftest-table.js';
import { crashedSoFar } from '../crash.js';
import { CHAOSLAB_VERSION } from '../program.js';
import { SHARED_REPORTS_FLAG, SHARED_REPORTS_HELP, setReportPermissions } from '../report-permissions.js';
import { interruptOnSignals, splitRunArgs } from './run.js';

export interface SelfTestOptions {
  lab: string;
  suite?: string;
  grep?: string;
  out: string;
  /** `--no-pause` sets it false. */
  pause: boolean;
  json?: boolean;
  sharedReports?: boolean;
}

export async function runSelfTestCommand(args: readonly string[], options: SelfTestOptions): Promise<ExitCodeValue> {
  const { paths, selectors } = splitRunArgs(args);
  const project = await loadProject({ scenarioPaths: paths, labPath: options.lab });
  const attempts = planSelfTest(project.catalogue, project.lab!, {
    ...(options.suite !== undefined && { suite: options.suite }),
    ...(selectors.length && { select: selectors }),
    ...(options.grep !== undefined && { grep: options.grep }),
  });
  if (!attempts.length) throw new ChaoslabError('CHAOSLAB_USAGE', 'nothing to self-test: no selected scenario has a host in this lab');
  const hosts = new Set(attempts.map((a) => a.host!.name));
  const pauses = healerPauses(project.lab!, hosts, options.pause);
  const missing = await unresolvedSecrets(project.lab!, options.lab, project.labSource!, hosts);
  if (missing.length) throw new ConfigError(missing, 'CHAOSLAB_SECRET_UNRESOLVED');
  setReportPermissions(options.sharedReports);
  const journal = new RevertJournal(defaultJournalDir());
  await journal.assertPrivate();
  const lab = await resolveInventory(project.lab!, resolve(options.lab));
  const interrupt = interruptOnSignals(false);
  try {
    const { runDir, report } = await runSelfTestSession({
      lab,
      labFile: resolve(options.lab),
      attempts: attempts.map((a) => ({ ...a, host: lab.hosts.find((h) => h.name === a.host!.name) ?? a.host! })),
      pauses,
      reportsRoot: resolve(options.out),
      argv: process.argv.slice(2),
      journal,
      clock: systemClock,
      interrupt: interrupt.signal,
      version: CHAOSLAB_VERSION,
    });
    const file = `${runDir}/${SELFTEST_FILE}`;
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderSelfTest(report, relative(process.cwd(), file) || file)}\n`);
    return crashedSoFar() ? ExitCode.labErrors : report.exitCode;
  } finally {
    interrupt.dispose();
  }
}

export function register(program: Command): void {
  program
    .command('selftest')
    .description(
      'Prove faults before a healer is judged on them: for each scenario on every host its target matches, with the host\'s healer paused (healer_control), inject, confirm the check reports drift, revert, and verify the baseline check passes and the snapshot is byte-identical again. Each is sound, not_applied, not_reverted or inconclusive; results in <out>/<run-id>/selftest.json.',
    )
    .argument('[paths...]', 'scenario files or folders (default: scenarios/), and/or ids or globs of scenarios to prove')
    .requiredOption('--lab <file>', 'lab inventory')
    .option('--suite <id>', 'prove the scenarios of a suite (a bundle: each member on its own, also on the bundle\'s host)')
    .option('--grep <regex>', 'only scenarios whose id, title or tags match')
    .option('--out <dir>', 'folder of self-test runs (kept apart from run history)', 'reports/selftest')
    .option('--no-pause', 'do not pause the healers (for hosts without healer_control): a healer that heals before the drift check makes a fault read as not_applied')
    .option('--json', 'print the results as JSON instead of the table')
    .option(SHARED_REPORTS_FLAG, SHARED_REPORTS_HELP)
    .addHelpText(
      'after',
      `\nExit codes:\n  0    every fault sound\n  1    a fault not applied (no drift after the inject) or not reverted (host not back at baseline, or snapshot differs)\n  2    usage or configuration error, or a host whose healer cannot be paused; nothing was injected\n  3    a lab failure (inconclusive), or a healer that could not be resumed\n  130  interrupted; the scenario under way was reverted and the healers resumed`,
    )
    .action(action((paths: string[], options: SelfTestOptions) => runSelfTestCommand(paths, options)));
}

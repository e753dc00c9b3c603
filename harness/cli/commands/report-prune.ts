import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import { updateIndex } from '../../history/index.js';
import { applyPrune, parseAge, pendingRuns, planPrune } from '../../history/prune.js';
import { defaultJournalDir } from '../../journal/journal.js';
import { pendingInEveryJournal } from '../../journal/registry.js';
import { action } from '../action.js';
import { ExitCode, type ExitCodeValue } from '../../core/exit-codes.js';
import { errorMessage } from '../../core/errors.js';

/** `chaoslab report prune`: retention for reports/, never at the cost of a run whose reverts are still pending. */
interface PruneOptions {
  reports: string;
  keep?: number;
  olderThan?: number;
  dryRun?: boolean;
}

function keepCount(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

function age(text: string): number {
  try {
    return parseAge(text);
  } catch (error) {
    throw new InvalidArgumentError(errorMessage(error));
  }
}

async function pruneCommand(options: PruneOptions): Promise<ExitCodeValue> {
  const reportsRoot = resolve(options.reports);
  const runs = await updateIndex(reportsRoot);
  // every listed journal, not only this folder's: a run's pending revert may be recorded where it was started
  const { entries, rejected, unreadable } = await pendingInEveryJournal(defaultJournalDir());
  for (const { dir, reason } of unreadable) process.stderr.write(`warning: could not read the revert journal ${dir} (${reason}); runs with reverts pending there are not protected\n`);
  const plan = planPrune(runs, { ...(options.keep !== undefined && { keep: options.keep }), ...(options.olderThan !== undefined && { olderThanMs: options.olderThan }) }, pendingRuns(entries, rejected, runs.map((r) => r.runId)), Date.now());
  const verb = options.dryRun ? 'would remove' : 'removed';
  if (!options.dryRun) await applyPrune(reportsRoot, plan);
  for (const run of plan.remove) process.stdout.write(`${verb} ${run.dir} (started ${new Date(run.startedAtWall).toISOString()}, ${formatDuration(Date.now() - run.startedAtWall)} ago)\n`);
  for (const { entry, entries: count } of plan.pending) {
    process.stdout.write(`kept ${entry.dir}: ${count} revert journal entr${count === 1 ? 'y is' : 'ies are'} still pending (run \`chaoslab revert --pending\` first)\n`);
  }
  process.stdout.write(`${plan.remove.length} run(s) ${verb}, ${plan.kept} kept in ${reportsRoot}\n`);
  return ExitCode.ok;
}

export function registerPrune(report: Command): void {
  report
    .command('prune')
    .description('Remove old runs from the reports folder and keep index.json and reports/latest consistent. A run whose revert journal entries are still pending is never removed, whichever working directory\'s journal holds them (every journal listed for this user is read). With both limits, a run is removed only when both allow it.')
    .option('--keep <n>', 'keep the n newest runs', keepCount)
    .option('--older-than <age>', 'remove runs started longer ago than this: 30d, 2w, 12h', age)
    .option('--reports <dir>', 'reports folder', 'reports')
    .option('--dry-run', 'print what would be removed; remove nothing')
    .action(action((options: PruneOptions) => pruneCommand(options)));
}

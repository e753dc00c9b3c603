import type { Command } from 'commander';
import { resolve } from 'node:path';
import { systemClock } from '../../core/clock.js';
import { ChaoslabError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { JournalHosts } from '../../journal/hosts.js';
import { defaultJournalDir, RevertJournal } from '../../journal/journal.js';
import { replayJournal } from '../../journal/replay.js';
import { action } from '../action.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

export interface RevertOptions {
  pending?: boolean;
  lab?: string;
}

/**
 * `chaoslab revert --pending`: undoes injections an earlier run left behind
 * (crash, kill -9, second Ctrl-C). Each entry is reverted, then checked; it is
 * removed only when the host is back at baseline. Exit 0 when nothing is left.
 */
export async function runRevert(options: RevertOptions): Promise<ExitCodeValue> {
  if (!options.pending) throw new ChaoslabError('CHAOSLAB_USAGE', 'revert needs --pending (it replays the revert journal)');
  const journal = new RevertJournal(defaultJournalDir());
  const { entries, unreadable } = await journal.pending();
  for (const bad of unreadable) process.stderr.write(`chaoslab: unreadable journal entry ${bad.file}: ${bad.error}\n`);
  const onlyLab = options.lab !== undefined ? resolve(options.lab) : undefined;
  const selected = entries.filter((e) => onlyLab === undefined || resolve(e.labFile) === onlyLab);
  if (!selected.length) {
    process.stdout.write(`no pending reverts in ${journal.dir}${onlyLab ? ` for ${options.lab}` : ''}\n`);
    return unreadable.length ? ExitCode.labErrors : ExitCode.ok;
  }
  process.stdout.write(`${selected.length} pending revert(s) in ${journal.dir}\n`);
  await using hosts = new JournalHosts({ clock: systemClock, logger: silentLogger });
  const results = await replayJournal(journal, selected, {
    transportFor: hosts.transportFor,
    onResult: ({ entry, status, detail }) => process.stdout.write(`  ${status === 'reverted' ? '✓' : '✗'} ${entry.attemptId} on ${entry.host} (run ${entry.runId}): ${status} — ${detail}\n`),
  });
  const left = results.filter((r) => r.status !== 'reverted').length;
  process.stdout.write(left ? `${left} revert(s) still pending; they stay in the journal\n` : 'every pending revert was applied and verified\n');
  return left || unreadable.length ? ExitCode.labErrors : ExitCode.ok;
}

export function register(program: Command): void {
  program
    .command('revert')
    .description('Replay the revert journal: undo injections an earlier run left behind (crash, kill -9, second Ctrl-C), then verify each host is back at baseline. Exits 0 when nothing is left pending, 3 when some revert could not be applied or verified (it stays in the journal).')
    .option('--pending', 'revert every pending journal entry')
    .option('--lab <file>', 'only entries of this inventory')
    .action(action((options: RevertOptions) => runRevert(options)));
}

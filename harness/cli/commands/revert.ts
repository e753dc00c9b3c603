import type { Command } from 'commander';
import { resolve } from 'node:path';
import { configErrorFor, loadLabFile } from '../../config/load-project.js';
import { systemClock } from '../../core/clock.js';
import { ChaoslabError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { JournalHosts } from '../../journal/hosts.js';
import { defaultJournalDir, RevertJournal, type JournalEntry } from '../../journal/journal.js';
import { describeElsewhere, pendingElsewhere } from '../../journal/registry.js';
import { replayJournal } from '../../journal/replay.js';
import { LabHosts } from '../../lab/lab-hosts.js';
import { resolveInventory } from '../../lab/providers.js';
import { action } from '../action.js';
import { ExitCode, type ExitCodeValue } from '../../core/exit-codes.js';

export interface RevertOptions {
  pending?: boolean;
  lab?: string;
}

function describe(entry: JournalEntry): string {
  return `${entry.attemptId} on ${entry.host} [${entry.hostIdentity}] (run ${entry.runId})`;
}

/**
 * `chaoslab revert --pending`: undoes injections an earlier run left behind
 * (crash, kill -9, second Ctrl-C). Each entry is reverted, then checked; it is
 * removed only when the host is back at baseline. Entries belong to hosts, not
 * to inventory files: `--lab` replays every entry written for one of its
 * hosts (same name, transport, address and port), whichever file named them;
 * without `--lab` each entry replays through the inventory it was written
 * with. Exit 0 only when nothing is left pending for any lab.
 */
export async function runRevert(options: RevertOptions): Promise<ExitCodeValue> {
  if (!options.pending) throw new ChaoslabError('CHAOSLAB_USAGE', 'revert needs --pending (it replays the revert journal)');
  const journal = new RevertJournal(defaultJournalDir());
  await using current = options.lab !== undefined ? await openInventory(options.lab) : undefined;
  const { entries, rejected } = await journal.pending();
  for (const bad of rejected) process.stderr.write(`chaoslab: journal entry ${bad.file} refused, not replayed: ${bad.error}\n`);
  await using hosts = new JournalHosts({ clock: systemClock, logger: silentLogger, ...(current && { current }) });
  const selected = current ? entries.filter(hosts.isCurrent) : entries;
  const others = entries.filter((e) => !selected.includes(e));
  if (!selected.length) process.stdout.write(`no pending reverts in ${journal.dir}${current ? ` for the hosts of ${options.lab}` : ''}\n`);
  else {
    process.stdout.write(`${selected.length} pending revert(s) in ${journal.dir}${current ? `, replayed with ${options.lab}` : ''}:\n`);
    for (const entry of selected) process.stdout.write(`  ${describe(entry)}${current ? '' : `, replays with ${entry.labFile}`}\n`);
  }
  const results = await replayJournal(journal, selected, {
    transportFor: hosts.transportFor,
    onResult: ({ entry, status, detail }) => process.stdout.write(`  ${status === 'reverted' ? '✓' : '✗'} ${describe(entry)}: ${status} — ${detail}\n`),
  });
  const failed = results.filter((r) => r.status !== 'reverted').length;
  if (failed) process.stdout.write(`${failed} revert(s) could not be applied or verified; they stay in the journal\n`);
  else if (selected.length) process.stdout.write('every selected pending revert was applied and verified\n');
  if (others.length) {
    process.stdout.write(`${others.length} pending revert(s) for hosts that are not in ${options.lab} are left in the journal:\n`);
    for (const entry of others) process.stdout.write(`  ${describe(entry)}: written with ${entry.labFile}; run \`chaoslab revert --pending\` without --lab, or with an inventory that reaches that host\n`);
  }
  // other journals (runs started from another directory) are pointed to, never replayed from here
  for (const line of describeElsewhere(await pendingElsewhere(journal.dir, current?.lab.hosts))) process.stdout.write(`WARNING: ${line}\n`);
  if (rejected.length) process.stdout.write(`${rejected.length} journal file(s) were refused (see above); inspect and delete them by hand\n`);
  return failed || others.length || rejected.length ? ExitCode.labErrors : ExitCode.ok;
}

/** `--lab`'s hosts, validated and resolved through the lab's provider (a container lab's published ports). */
async function openInventory(labPath: string): Promise<LabHosts> {
  const { lab, issues } = await loadLabFile(labPath);
  if (!lab || issues.length) throw configErrorFor(issues);
  const labFile = resolve(labPath);
  return LabHosts.open(await resolveInventory(lab.config, labFile), labFile, { clock: systemClock, logger: silentLogger, source: lab.source });
}

export function register(program: Command): void {
  program
    .command('revert')
    .description(
      'Replay the revert journal (.chaoslab/journal in the working directory, or $CHAOSLAB_STATE_DIR/journal): undo injections an earlier run left behind (crash, kill -9, second Ctrl-C), then verify each host is back at baseline. Exits 0 only when nothing is left pending for any lab, 3 when something stays pending (a revert that failed, entries of other labs, refused files), 2 when the state directory is not private.',
    )
    .option('--pending', 'revert every pending journal entry')
    .option('--lab <file>', 'replay the entries written for this inventory\'s hosts (matched by name, transport, address and port, not by file path)')
    .action(action((options: RevertOptions) => runRevert(options)));
}

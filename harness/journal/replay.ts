import { errorMessage } from '../core/errors.js';
import { excerpt } from '../core/redact.js';
import { runCheck } from '../transport/check-outcome.js';
import type { Transport } from '../transport/transport.js';
import type { JournalEntry, RevertJournal } from './journal.js';

export type ReplayStatus = 'reverted' | 'revert_failed' | 'still_drifted' | 'host_unavailable';

export interface ReplayResult {
  readonly entry: JournalEntry;
  readonly status: ReplayStatus;
  readonly detail: string;
}

export interface ReplayOptions {
  /** The transport of the entry's host, or a reason why there is none (host gone from the inventory…). */
  readonly transportFor: (entry: JournalEntry) => Promise<Transport | { unavailable: string }>;
  readonly onResult?: (result: ReplayResult) => void;
}

/**
 * Replays pending reverts left by an earlier run: revert, then check; an entry
 * is removed only when the check passes. Entries of one host run in reverse
 * creation order (the last injection is undone first, like a bundle's revert).
 */
export async function replayJournal(journal: RevertJournal, entries: readonly JournalEntry[], options: ReplayOptions): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for (const entry of [...entries].sort((a, b) => b.createdAt - a.createdAt)) {
    const result = await replayOne(journal, entry, options);
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

async function replayOne(journal: RevertJournal, entry: JournalEntry, options: ReplayOptions): Promise<ReplayResult> {
  let transport: Transport | { unavailable: string };
  try {
    transport = await options.transportFor(entry);
  } catch (error) {
    transport = { unavailable: errorMessage(error) };
  }
  if ('unavailable' in transport) return { entry, status: 'host_unavailable', detail: transport.unavailable };
  try {
    for (const command of entry.revert) {
      const result = await transport.exec(command, { timeoutMs: entry.timeoutMs });
      if (result.exitCode !== 0) {
        return { entry, status: 'revert_failed', detail: `revert exited ${result.exitCode}: ${excerpt((result.stderr || result.stdout).trim(), 500)}` };
      }
    }
    const { outcome: check } = await runCheck(entry.check, (armed) => transport.exec(armed.script, { timeoutMs: entry.timeoutMs }));
    // Kept either way; a check that could not tell is not reported as drift.
    if (check.kind === 'probe_error') return { entry, status: 'still_drifted', detail: `the baseline check could not tell after the revert (${check.detail}); entry kept` };
    if (check.kind === 'drifted') return { entry, status: 'still_drifted', detail: 'baseline check exited 1 (drifted) after the revert' };
  } catch (error) {
    return { entry, status: 'host_unavailable', detail: errorMessage(error) };
  }
  await journal.remove(entry.id);
  return { entry, status: 'reverted', detail: 'reverted and verified at baseline' };
}

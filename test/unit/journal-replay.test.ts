import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TransportError } from '../../harness/core/errors.js';
import { RevertJournal, type JournalEntry } from '../../harness/journal/journal.js';
import { replayJournal, type ReplayResult } from '../../harness/journal/replay.js';
import type { ExecResult, Transport } from '../../harness/transport/transport.js';
import { tempDir } from '../support/tmp.js';

/**
 * The rules of replaying pending reverts (journal.test.ts covers the happy path
 * and a failing revert): the order, what each outcome reports, and that nothing
 * but a verified baseline removes an entry.
 */
const pendingEntry = (id: string, createdAt: number, extra: Partial<JournalEntry> = {}): JournalEntry => ({
  v: 2,
  id,
  runId: 'run-1',
  attemptId: `${id}@web1#1`,
  host: 'web1',
  labFile: '/labs/lab.yaml',
  hostIdentity: 'web1 ssh 10.0.0.5:22',
  shell: 'posix',
  revert: [`revert-${id}`],
  check: `check-${id}`,
  timeoutMs: 10_000,
  createdAt,
  pid: 1,
  ...extra,
});

/** A transport that answers each command from a table (exit 0 and no output by default) and records what it was sent. */
function tableTransport(answers: Record<string, Partial<ExecResult> | Error> = {}): Transport & { sent: string[]; timeouts: (number | undefined)[] } {
  const sent: string[] = [];
  const timeouts: (number | undefined)[] = [];
  return {
    host: 'web1',
    shell: 'posix',
    sent,
    timeouts,
    async exec(command: string, options?: { timeoutMs?: number }): Promise<ExecResult> {
      sent.push(command);
      timeouts.push(options?.timeoutMs);
      const answer = answers[command];
      if (answer instanceof Error) throw answer;
      return { stdout: '', stderr: '', exitCode: 0, durationMs: 0, ...answer };
    },
    stream: () => {
      throw new Error('no streams');
    },
    probe: async () => {},
    close: async () => {},
    [Symbol.asyncDispose]: async () => {},
  } as unknown as Transport & { sent: string[]; timeouts: (number | undefined)[] };
}

async function replay(entries: JournalEntry[], transportFor: () => Promise<Transport | { unavailable: string }>) {
  await using dir = await tempDir();
  const journal = new RevertJournal(join(dir.path, 'journal'));
  await mkdir(journal.dir, { mode: 0o700 });
  const removed: string[] = [];
  const remove = journal.remove.bind(journal);
  journal.remove = async (id) => {
    removed.push(id);
    await remove(id);
  };
  const reported: ReplayResult[] = [];
  const results = await replayJournal(journal, entries, { transportFor, onResult: (r) => reported.push(r) });
  return { results: results.map((r) => ({ id: r.entry.id, status: r.status, detail: r.detail })), reported, removed, raw: results };
}

describe('replaying the journal: order and reporting', () => {
  it('undoes the last injection first, and reports each result as it comes', async () => {
    const transport = tableTransport();
    const { results, reported, raw, removed } = await replay([pendingEntry('a', 100), pendingEntry('c', 300), pendingEntry('b', 200)], async () => transport);
    expect(transport.sent).toEqual(['revert-c', 'check-c', 'revert-b', 'check-b', 'revert-a', 'check-a']);
    expect(results.map((r) => [r.id, r.status])).toEqual([['c', 'reverted'], ['b', 'reverted'], ['a', 'reverted']]);
    expect(results[0]!.detail).toBe('reverted and verified at baseline');
    expect(reported).toEqual(raw);
    expect(removed).toEqual(['c', 'b', 'a']);
    // every revert and check runs under the entry's own per-command timeout
    expect(transport.timeouts).toEqual(Array(6).fill(10_000));
  });
});

interface OutcomeRow {
  rule: string;
  answers: Record<string, Partial<ExecResult> | Error>;
  status: string;
  detail: unknown;
  sent: string[];
}

describe('replaying the journal: an entry stays unless its host is verified at baseline', () => {
  it.each<OutcomeRow>([
    {
      rule: 'a revert that fails: its exit code and stderr, and the next revert command is not run',
      answers: { 'revert-1': { exitCode: 4, stderr: '  iptables: permission denied \n', stdout: 'ignored' } },
      status: 'revert_failed',
      detail: 'revert exited 4: iptables: permission denied',
      sent: ['revert-1'],
    },
    {
      rule: 'a revert that fails without stderr: its stdout',
      answers: { 'revert-2': { exitCode: 1, stdout: ' no such rule\n' } },
      status: 'revert_failed',
      detail: 'revert exited 1: no such rule',
      sent: ['revert-1', 'revert-2'],
    },
    {
      rule: 'the baseline check still sees drift (exit 1)',
      answers: { check: { exitCode: 1 } },
      status: 'still_drifted',
      detail: 'baseline check exited 1 (drifted) after the revert',
      sent: ['revert-1', 'revert-2', 'check'],
    },
    {
      rule: 'the baseline check cannot tell (exit 2): kept, and said so, not called drift',
      answers: { check: { exitCode: 2, stderr: 'auditpol: access denied' } },
      status: 'still_drifted',
      detail: 'the baseline check could not tell after the revert (check exited 2: auditpol: access denied); entry kept',
      sent: ['revert-1', 'revert-2', 'check'],
    },
    {
      rule: 'the connection drops during the revert',
      answers: { 'revert-2': new TransportError('TRANSPORT_CLOSED', 'web1', 'connection lost') },
      status: 'host_unavailable',
      detail: expect.stringContaining('connection lost'),
      sent: ['revert-1', 'revert-2'],
    },
  ])('$rule', async ({ answers, status, detail, sent }) => {
    const transport = tableTransport(answers);
    const { results, removed } = await replay([pendingEntry('e', 1, { revert: ['revert-1', 'revert-2'], check: 'check' })], async () => transport);
    expect(results).toEqual([{ id: 'e', status, detail }]);
    expect(transport.sent).toEqual(sent);
    expect(removed).toEqual([]);
  });

  it('a host with no transport, or whose transport cannot be made, is reported with the reason', async () => {
    const gone = await replay([pendingEntry('g', 1)], async () => ({ unavailable: 'web1 is no longer in /labs/lab.yaml' }));
    expect(gone.results).toEqual([{ id: 'g', status: 'host_unavailable', detail: 'web1 is no longer in /labs/lab.yaml' }]);
    const broken = await replay([pendingEntry('b', 1)], async () => {
      throw new Error('cannot read key file /keys/lab: ENOENT');
    });
    expect(broken.results).toEqual([{ id: 'b', status: 'host_unavailable', detail: 'cannot read key file /keys/lab: ENOENT' }]);
    expect([...gone.removed, ...broken.removed]).toEqual([]);
  });
});

describe('journal entry ids', () => {
  it.each([
    { rule: 'characters outside letters, digits, ".", "_" and "-" become one "_" per run', runId: 'run  1', attemptId: 'fw@#web1#1', id: /^run_1_fw_web1_1_[0-9a-z]{1,6}$/ },
    { rule: 'the id starts with a letter or digit', runId: '--run', attemptId: 'a', id: /^run_a_[0-9a-z]{1,6}$/ },
    { rule: 'dots and dashes inside stay', runId: 'r', attemptId: '..-', id: /^r_\.\.-_[0-9a-z]{1,6}$/ },
    { rule: 'nothing usable left → "entry"', runId: '', attemptId: '@@', id: /^entry_[0-9a-z]{1,6}$/ },
    { rule: 'the readable part is cut at 180 characters', runId: 'r'.repeat(300), attemptId: 'a', id: new RegExp(`^r{180}_[0-9a-z]{1,6}$`) },
  ])('$rule', async ({ runId, attemptId, id }) => {
    await using dir = await tempDir();
    const journal = new RevertJournal(join(dir.path, 'journal'));
    const { v: _v, id: _id, createdAt: _c, pid: _p, ...fields } = pendingEntry('x', 1);
    const entry = await journal.record({ ...fields, runId, attemptId });
    expect(entry.id).toMatch(id);
    expect((await journal.pending()).entries.map((e) => e.id)).toEqual([entry.id]);
  });
});

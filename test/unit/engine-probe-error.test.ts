import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInjection } from '../../harness/engine/attempt.js';
import { readCheck } from '../../harness/transport/check-outcome.js';
import type { AttemptMember, AttemptOutcome } from '../../harness/engine/context.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import { replayJournal } from '../../harness/journal/replay.js';
import { driveInjection, type TimedAction } from '../support/attempt-driver.js';
import { ManualClock } from '../support/manual-clock.js';
import { engineContext, MemorySink, ScriptedObserver, ScriptedTransport, TEST_HOST, testScenario, type CommandHandler } from '../support/engine-scripted.js';
import { tempDir } from '../support/tmp.js';

/**
 * The check contract (0 compliant, 1 drifted, anything else a probe error) as
 * the attempt state machine applies it: a probe error is retried and, if it
 * persists, ends the attempt `inconclusive` (`probe_error`) — it is never read
 * as drift (baseline_dirty, flapped) nor as a restore.
 */
class Host {
  drifted = false;
  /** Exit codes the next checks answer with instead of the truth (2, 127…). */
  checkErrors: number[] = [];
  /** From this check on, every check errs. */
  erringFrom: number | undefined;
  checks = 0;
  /** The check breaks as soon as the revert has run (e.g. the revert removed a tool the check needs). */
  checkBreaksOnRevert = false;
  /** Exit code of the fault's applicability preflight. */
  applicable = 0;

  handler: CommandHandler = (command) => {
    const [verb, name = 'a'] = command.split(' ');
    switch (verb) {
      case 'applicable':
        return { exitCode: this.applicable, stdout: this.applicable === 1 ? `GPO-managed (${name})` : '' };
      case 'snapshot':
        return { exitCode: 0, stdout: 'orig' };
      case 'inject':
        this.drifted = true;
        return { exitCode: 0 };
      case 'check': {
        this.checks += 1;
        if (this.erringFrom !== undefined && this.checks >= this.erringFrom) return { exitCode: 2 };
        const scripted = this.checkErrors.shift();
        if (scripted !== undefined) return { exitCode: scripted };
        return { exitCode: this.drifted ? 1 : 0 };
      }
      case 'revert':
        this.drifted = false;
        if (this.checkBreaksOnRevert) this.erringFrom = this.checks + 1;
        return { exitCode: 0 };
      default:
        return { exitCode: 127 };
    }
  };
}

function member(name: string, withApplicable = false): AttemptMember {
  return {
    attemptId: `${name}@web1#1`,
    scenario: testScenario({ id: name, check_type: `check_${name}` }),
    commands: {
      ...(withApplicable && { applicable: `applicable ${name}` }),
      snapshot: `snapshot ${name}`,
      inject: `inject ${name}`,
      check: `check ${name}`,
      revert: () => `revert ${name}`,
    },
  };
}

let dir: Awaited<ReturnType<typeof tempDir>>;
let clock: ManualClock;
let sink: MemorySink;
let host: Host;
let transport: ScriptedTransport;
let observer: ScriptedObserver;
let journal: RevertJournal;

beforeEach(async () => {
  dir = await tempDir('chaoslab-probe-error-');
  clock = new ManualClock();
  sink = new MemorySink(clock);
  host = new Host();
  transport = new ScriptedTransport('web1', clock, host.handler);
  observer = new ScriptedObserver('healer-log');
  journal = new RevertJournal(join(dir.path, 'journal'));
});

afterEach(async () => {
  await dir[Symbol.asyncDispose]();
});

function drive(members: AttemptMember[], actions: TimedAction[] = []): Promise<AttemptOutcome[]> {
  const ctx = engineContext(clock, sink, journal, [observer]);
  return driveInjection({ clock, spec: { host: TEST_HOST, members }, transport, ctx, actions });
}

const heal = () => {
  host.drifted = false;
  observer.emit({ kind: 'claimed_healed', at: clock.wallNow(), host: 'web1', checkType: 'check_a', runbook: 'RB-1', tier: 'L1', raw: {} });
};

const injected = () => transport.sent.some((c) => c.startsWith('inject'));

describe('readCheck: the exit-code contract', () => {
  it.each([
    [0, 'compliant'],
    [1, 'drifted'],
    [2, 'probe_error'],
    [127, 'probe_error'],
    [null, 'probe_error'],
  ] as const)('exit %s → %s', (exitCode, kind) => {
    expect(readCheck({ stdout: '', stderr: 'Get-NetFirewallProfile : Access is denied', exitCode, durationMs: 1 }).kind).toBe(kind);
  });

  it('a probe error says why, from stderr', () => {
    expect(readCheck({ stdout: '', stderr: 'check failed: Access is denied\n', exitCode: 2, durationMs: 1 })).toEqual({ kind: 'probe_error', detail: 'check exited 2: check failed: Access is denied' });
  });
});

describe('the attempt treats a probe error as neither drift nor restore', () => {
  it('preflight: a baseline check that keeps erring is probe_error, not baseline_dirty, and nothing is injected', async () => {
    host.erringFrom = 1;
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'probe_error' });
    expect(injected()).toBe(false);
    // asked three times (first try + two retries) before giving up
    expect(host.checks).toBe(3);
  });

  it('preflight: one erring check is retried and the attempt goes on', async () => {
    host.checkErrors = [2];
    const [outcome] = await drive([member('a')], [{ at: 3000, run: heal }]);
    expect(outcome!.verdict).toMatchObject({ kind: 'healed' });
  });

  it('observe: an erring probe after the heal is not a re-drift (no flapped)', async () => {
    // checks: preflight, confirm drift, then probes; the heal lands at 2s and the 5th check errs once
    host.checkErrors = [];
    const actions = [{ at: 2000, run: heal }, { at: 2500, run: () => (host.checkErrors = [2]) }];
    const [outcome] = await drive([member('a')], actions);
    expect(outcome!.verdict).toMatchObject({ kind: 'healed' });
    expect(sink.ofType('probe').map((p) => p.compliant)).toEqual([false, true]);
    // the erring probe is kept as evidence
    expect(sink.ofType('command').some((c) => c.step === 'probe' && c.exitCode === 2)).toBe(true);
  });

  it('observe: a check that keeps erring ends the attempt probe_error (never flapped), and it is reverted', async () => {
    const [outcome] = await drive([member('a')], [{ at: 2000, run: heal }, { at: 2500, run: () => (host.erringFrom = host.checks + 1) }]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'probe_error' });
    expect(transport.sent).toContain('revert a');
    // the baseline cannot be verified either: the journal entry stays for a later replay
    expect((await journal.pending()).entries).toHaveLength(1);
  });

  it('confirm drift: a missing command (127) is probe_error, not a confirmed drift', async () => {
    host.checkErrors = [0, 127, 127, 127];
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'probe_error', detail: expect.stringContaining('confirm_drift: check exited 127') });
    expect(transport.sent).toContain('revert a');
  });

  it('verify_baseline: an erring check after the revert keeps the journal entry as probe_error, not revert_failed', async () => {
    host.checkBreaksOnRevert = true;
    const [outcome] = await drive([member('a')], [{ at: 2000, run: heal }]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'probe_error', detail: expect.stringContaining('verify_baseline') });
    expect((await journal.pending()).entries).toHaveLength(1);
  });
});

describe('a fault that does not apply to the host', () => {
  it('is skipped as not_applicable with the preflight\'s reason; nothing is journalled or injected', async () => {
    host.applicable = 1;
    const [outcome] = await drive([member('a', true)]);
    expect(outcome!.verdict).toEqual({ kind: 'skipped', reason: 'not_applicable', detail: 'not applicable here: GPO-managed (a)' });
    expect(outcome!.passed).toBe(false);
    expect(injected()).toBe(false);
    expect(transport.sent.some((c) => c.startsWith('snapshot'))).toBe(false);
    expect((await journal.pending()).entries).toEqual([]);
  });

  it('skips the whole bundle: a compound drift needs every member', async () => {
    host.applicable = 1;
    const outcomes = await drive([member('a', true), member('b')]);
    expect(outcomes.map((o) => [o.verdict.kind, 'reason' in o.verdict && o.verdict.reason])).toEqual([
      ['skipped', 'not_applicable'],
      ['skipped', 'not_applicable'],
    ]);
    expect(injected()).toBe(false);
  });

  it('an applicability preflight that cannot tell is probe_error', async () => {
    host.applicable = 2;
    const [outcome] = await drive([member('a', true)]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'probe_error' });
    expect(injected()).toBe(false);
  });
});

describe('replaying a pending revert', () => {
  it('a baseline check that cannot tell keeps the entry and says so, instead of calling it drift', async () => {
    await journal.record({ runId: 'r', attemptId: 'a@web1#1', host: 'web1', hostIdentity: 'web1 ssh 10.0.0.5:22', labFile: '/labs/lab.yaml', shell: 'posix', revert: ['revert a'], check: 'check a', timeoutMs: 1000 });
    host.erringFrom = 1;
    const [result] = await replayJournal(journal, (await journal.pending()).entries, { transportFor: async () => transport });
    expect(result).toMatchObject({ status: 'still_drifted', detail: expect.stringContaining('could not tell after the revert (check exited 2)') });
    expect((await journal.pending()).entries).toHaveLength(1);
  });
});

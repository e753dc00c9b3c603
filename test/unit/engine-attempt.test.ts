import { readdirSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptMember, AttemptOutcome } from '../../harness/engine/context.js';
import { OBSERVER_PREPARE_DEADLINE_MS } from '../../harness/engine/observer-start.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import type { Verdict } from '../../harness/model/verdict.js';
import { driveInjection, type TimedAction } from '../support/attempt-driver.js';
import { ManualClock } from '../support/manual-clock.js';
import { engineContext, MemorySink, ScriptedObserver, ScriptedTransport, TEST_HOST, testScenario, type CommandHandler } from '../support/engine-scripted.js';
import { tempDir } from '../support/tmp.js';

/** A host with named files that are drifted or not; commands are `inject a`, `check a`, `revert a <snapshot>`. */
class FakeFiles {
  readonly drifted = new Set<string>();
  dirtyFromStart = new Set<string>();
  injectTakes = true;
  /** A healer faster than chaoslab: undoes the drift (and says so) right after the injection. */
  healsInstantly: ((name: string) => void) | undefined;
  revertWorks = true;
  dropOn: string | undefined;
  onSnapshot: (() => void) | undefined;
  journalFilesAtInject: number[] = [];

  constructor(private readonly journalDir: string) {}

  handler: CommandHandler = (command) => {
    if (this.dropOn && command.startsWith(this.dropOn)) return 'drop';
    const [verb, name = 'a'] = command.split(' ');
    switch (verb) {
      case 'snapshot':
        this.onSnapshot?.();
        return { exitCode: 0, stdout: `orig-${name}\n` };
      case 'inject':
        this.journalFilesAtInject.push(readdirSync(this.journalDir).filter((f) => f.endsWith('.json')).length);
        if (this.injectTakes) this.drifted.add(name);
        this.healsInstantly?.(name);
        return { exitCode: 0 };
      case 'check':
        return { exitCode: this.drifted.has(name) || this.dirtyFromStart.has(name) ? 1 : 0 };
      case 'revert':
        if (this.revertWorks) this.drifted.delete(name);
        return { exitCode: this.revertWorks ? 0 : 1 };
      default:
        return { exitCode: 127 };
    }
  };
}

function member(name: string, overrides: Record<string, unknown> = {}): AttemptMember {
  return {
    attemptId: `${name}@web1#1`,
    scenario: testScenario({ id: name, check_type: `check_${name}`, ...overrides }),
    commands: { snapshot: `snapshot ${name}`, inject: `inject ${name}`, check: `check ${name}`, revert: (snapshot) => `revert ${name} ${snapshot}` },
  };
}

interface Harness {
  clock: ManualClock;
  sink: MemorySink;
  files: FakeFiles;
  transport: ScriptedTransport;
  observer: ScriptedObserver;
  journal: RevertJournal;
}

let dir: Awaited<ReturnType<typeof tempDir>>;
let h: Harness;

beforeEach(async () => {
  dir = await tempDir('chaoslab-engine-');
  const clock = new ManualClock();
  const journal = new RevertJournal(join(dir.path, 'journal'));
  const files = new FakeFiles(journal.dir);
  h = { clock, sink: new MemorySink(clock), files, transport: new ScriptedTransport('web1', clock, files.handler), observer: new ScriptedObserver('healer-log'), journal };
});

afterEach(async () => {
  await dir[Symbol.asyncDispose]();
});

function drive(
  members: AttemptMember[],
  actions: TimedAction[] = [],
  options: { abortAt?: number; observers?: ScriptedObserver[]; tolerance?: number; interrupt?: AbortController } = {},
): Promise<AttemptOutcome[]> {
  const ctx = engineContext(h.clock, h.sink, h.journal, options.observers ?? [h.observer], options.tolerance);
  return driveInjection({ clock: h.clock, spec: { host: TEST_HOST, members }, transport: h.transport, ctx, actions, ...(options.interrupt && { interrupt: options.interrupt }), ...(options.abortAt !== undefined && { abortAt: options.abortAt }) });
}

const heal = (name: string, extra: Record<string, unknown> = {}) => () => {
  h.files.drifted.delete(name);
  h.observer.emit({ kind: 'claimed_healed', at: h.clock.wallNow(), host: 'web1', checkType: `check_${name}`, runbook: 'RB-1', tier: 'L1', raw: {}, ...extra });
};

function kinds(outcomes: AttemptOutcome[]): Verdict['kind'][] {
  return outcomes.map((o) => o.verdict.kind);
}

describe('attempt state machine (ManualClock)', () => {
  it('heals: claim + restore inside the SLA, stops at the end of hold, reverts and clears the journal', async () => {
    const [outcome] = await drive([member('a')], [{ at: 2000, run: heal('a') }]);
    expect(outcome!.verdict).toMatchObject({ kind: 'healed' });
    expect(outcome!.passed).toBe(true);
    // the journal entry existed (fsynced) before the injection command ran
    expect(h.files.journalFilesAtInject).toEqual([1]);
    expect((await h.journal.pending()).entries).toEqual([]);
    expect(h.transport.sent.filter((c) => c.startsWith('revert'))).toEqual(['revert a orig-a']);
    const observeStart = h.sink.ofType('phase').find((p) => p.phase === 'observe' && p.status === 'start')!;
    const holdEnd = h.sink.ofType('phase').find((p) => p.phase === 'hold' && p.status === 'end')!;
    expect(holdEnd.ok).toBe(true);
    // hold is 2s after a restore at ~2s: nowhere near the 10s window
    expect(holdEnd.mono - observeStart.mono).toBeLessThan(5000);
    const phases = h.sink.ofType('phase').filter((p) => p.status === 'start').map((p) => p.phase);
    expect(phases).toEqual(['preflight', 'snapshot', 'inject', 'confirm_drift', 'observe', 'hold', 'revert', 'verify_baseline']);
    expect(h.sink.ofType('signal')).toHaveLength(1);
    expect(h.sink.ofType('attempt_ended')[0]).toMatchObject({ passed: true, observedRunbook: 'RB-1', observedTier: 'L1' });
  });

  it('judges a claim the moment it arrives (an immediate check), not at the next probe tick', async () => {
    await drive([member('a', { probe_interval: '5s', hold: '0s' })], [{ at: 1200, run: heal('a') }]);
    const restored = h.sink.ofType('probe').find((p) => p.compliant)!;
    expect(restored.at).toBeLessThan(1400);
  });

  it('refuses to inject into a host that is not at baseline', async () => {
    h.files.dirtyFromStart.add('a');
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'baseline_dirty' });
    expect(h.transport.sent.some((c) => c.startsWith('inject'))).toBe(false);
    expect(h.files.journalFilesAtInject).toEqual([]);
    expect((await h.journal.pending()).entries).toEqual([]);
  });

  it('a drift the healer undid before the first check counts when the stack reported it after the injection', async () => {
    h.files.healsInstantly = (name) => {
      h.observer.emit({ kind: 'detected', at: h.clock.wallNow(), host: 'web1', checkType: `check_${name}`, raw: {} });
      heal(name)();
    };
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toMatchObject({ kind: 'healed' });
    const confirm = h.sink.ofType('phase').find((p) => p.phase === 'confirm_drift' && p.status === 'end')!;
    expect(confirm).toMatchObject({ ok: true, detail: expect.stringContaining('confirmed by the stack: healer-log reported detected') });
  });

  it('a check that still passes with no word from the stack is injection_not_applied', async () => {
    h.files.healsInstantly = (name) => h.files.drifted.delete(name);
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'injection_not_applied' });
  });

  it('an injection that does not take is inconclusive and is still reverted', async () => {
    h.files.injectTakes = false;
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'injection_not_applied' });
    expect(h.transport.sent).toContain('revert a orig-a');
  });

  it('refuses a host whose clock is skewed beyond the tolerance', async () => {
    h.transport = new ScriptedTransport('web1', h.clock, h.files.handler, 60_000);
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'clock_skew' });
    expect(h.transport.sent.some((c) => c.startsWith('inject'))).toBe(false);
  });

  it('transport lost mid-observe → transport_lost, and the journal entry stays for a later replay', async () => {
    const [outcome] = await drive([member('a')], [{ at: 3000, run: () => h.transport.drop() }]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'transport_lost', detail: expect.stringMatching(/the revert could not run: .*journal entry \S+ kept/) });
    const { entries } = await h.journal.pending();
    expect(entries.map((e) => e.revert)).toEqual([['revert a orig-a']]);
  });

  it('a login refused after the connection dropped → credentials_refused (not transport_lost), the revert kept in the journal', async () => {
    const [outcome] = await drive([member('a')], [{ at: 3000, run: () => h.transport.refuseLogins() }]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'credentials_refused', detail: expect.stringMatching(/^revert: .*authentication failed.*journal entry \S+ kept/) });
    expect((await h.journal.pending()).entries.map((e) => e.revert)).toEqual([['revert a orig-a']]);
  });

  it('a login refused before anything was injected → credentials_refused, nothing journalled', async () => {
    h.transport.refuseLogins();
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'credentials_refused' });
    expect((await h.journal.pending()).entries).toEqual([]);
  });

  it('a failed revert keeps the journal entry and makes the attempt inconclusive', async () => {
    h.files.revertWorks = false;
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'revert_failed' });
    expect((await h.journal.pending()).entries).toHaveLength(1);
  });

  it('Ctrl-C during observe stops observing, reverts and marks the attempt interrupted', async () => {
    const [outcome] = await drive([member('a')], [], { abortAt: 3000 });
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'interrupted' });
    expect(h.files.drifted.size).toBe(0);
    expect((await h.journal.pending()).entries).toEqual([]);
    const ended = h.sink.ofType('attempt_ended')[0]!;
    expect(ended.mono).toBeLessThan(4000);
  });

  it('Ctrl-C while snapshotting: nothing is injected and the journal is left empty', async () => {
    const interrupt = new AbortController();
    h.files.onSnapshot = () => interrupt.abort(new Error('SIGINT'));
    const outcomes = await drive([member('a'), member('b')], [], { interrupt });
    expect(outcomes.map((o) => o.verdict)).toMatchObject([{ reason: 'interrupted' }, { reason: 'interrupted' }]);
    expect(h.transport.sent.some((c) => c.startsWith('inject') || c.startsWith('revert'))).toBe(false);
    expect((await h.journal.pending()).entries).toEqual([]);
  });

  it('never restored and no claim → not_healed at the end of the window', async () => {
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toEqual({ kind: 'not_healed' });
    const observeEnd = h.sink.ofType('phase').find((p) => p.phase === 'observe' && p.status === 'end')!;
    expect(observeEnd.mono).toBeGreaterThanOrEqual(10_000);
    // the observation itself went as planned; with no signal and no restore nothing was timed
    expect(observeEnd).toMatchObject({ ok: true, detail: 'verdict not_healed' });
    expect(h.sink.ofType('attempt_ended')[0]!.timings).toEqual({});
  });

  it('a stale event and an event for another host are rejected with reasons', async () => {
    await drive([member('a')], [
      { at: 1000, run: () => h.observer.emit({ kind: 'claimed_healed', at: h.clock.wallNow() - 60_000, host: 'web1', checkType: 'check_a', raw: {} }) },
      { at: 1500, run: () => h.observer.emit({ kind: 'claimed_healed', at: h.clock.wallNow(), host: 'db9', checkType: 'check_a', raw: {} }) },
    ]);
    expect(h.sink.ofType('signal_rejected').map((r) => r.reason).sort()).toEqual(['other_host', 'stale']);
    expect(h.sink.ofType('attempt_ended')[0]!.verdict).toEqual({ kind: 'not_healed' });
  });

  it('an observer that cannot be read makes a restored host inconclusive', async () => {
    const broken = new ScriptedObserver('dead-api', new Error('connection refused'));
    const [outcome] = await drive([member('a')], [{ at: 2000, run: () => h.files.drifted.delete('a') }], { observers: [broken] });
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'observer_unavailable' });
    expect(h.sink.ofType('observer_error')[0]).toMatchObject({ observer: 'dead-api' });
  });

  it('an observer with prepare gets its start back before the injection; one that never answers delays it only until the deadline', async () => {
    let injectedAt: number | undefined;
    const handler = h.files.handler;
    h.transport = new ScriptedTransport('web1', h.clock, (command) => {
      if (command.startsWith('inject')) injectedAt ??= h.clock.now();
      return handler(command);
    });
    const prepared = new ScriptedObserver('log-like', undefined, async () => {
      // taken before the injection: nothing injected yet
      expect(injectedAt).toBeUndefined();
      return { offset: 42 };
    });
    const hung = new ScriptedObserver('hung', undefined, (request) => new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason))));
    const beforePrepare = h.clock.now();
    const [outcome] = await drive([member('a')], [{ at: 5000, run: heal('a') }], { observers: [h.observer, prepared, hung] });
    expect(injectedAt! - beforePrepare).toBeGreaterThanOrEqual(OBSERVER_PREPARE_DEADLINE_MS);
    expect(injectedAt! - beforePrepare).toBeLessThan(OBSERVER_PREPARE_DEADLINE_MS + 1000);
    expect(prepared.requests[0]!.start).toEqual({ offset: 42 });
    expect('start' in hung.requests[0]!).toBe(false);
    expect('start' in h.observer.requests[0]!).toBe(false);
    const notes = h.sink.events.filter((e) => e.type === 'note').map((e) => (e as { message: string }).message);
    expect(notes).toEqual([expect.stringMatching(/observer hung could not take its starting point before the injection \(no answer within 3000 ms\); it reads from the beginning/)]);
    expect(outcome!.verdict.kind).toBe('healed');
  });

  it('what an observer tells the run about its watch becomes a warning note naming the attempt and the observer', async () => {
    const [outcome] = await drive([member('a')], [
      { at: 1000, run: () => h.observer.requests[0]!.note?.('the log was rotated; lines may have been missed') },
      { at: 5000, run: heal('a') },
    ]);
    const notes = h.sink.events.filter((e) => e.type === 'note');
    expect(notes).toEqual([expect.objectContaining({ level: 'warn', message: `${outcome!.attemptId}: observer healer-log: the log was rotated; lines may have been missed` })]);
  });

  it('bundle: snapshots and journal for all, then all injects, observed together, reverted in reverse order', async () => {
    const outcomes = await drive([member('a'), member('b')], [{ at: 2000, run: heal('a') }]);
    expect(kinds(outcomes)).toEqual(['healed', 'not_healed']);
    const steps = h.transport.sent.filter((c) => !c.startsWith('check') && !c.startsWith('date'));
    expect(steps).toEqual(['snapshot a', 'snapshot b', 'inject a', 'inject b', 'revert b orig-b', 'revert a orig-a']);
    expect(h.files.journalFilesAtInject).toEqual([2, 2]);
  });

  it('bundle: one member not at baseline stops the whole bundle before injection', async () => {
    h.files.dirtyFromStart.add('b');
    const outcomes = await drive([member('a'), member('b')]);
    expect(outcomes.map((o) => o.verdict)).toMatchObject([{ reason: 'baseline_dirty' }, { reason: 'baseline_dirty' }]);
    expect(h.transport.sent.some((c) => c.startsWith('inject'))).toBe(false);
  });
});

describe('listeners on the run-wide interrupt signal', () => {
  it('a bundle of twelve observing members adds one listener to it, and none is left after the attempt', async () => {
    const interrupt = new AbortController();
    const names = Array.from({ length: 12 }, (_, i) => `m${i}`);
    const counts: number[] = [];
    const sample = (): void => {
      counts.push(getEventListeners(interrupt.signal, 'abort').length);
    };
    const outcomes = await drive(names.map((name) => member(name)), [500, 1000, 1500].map((at) => ({ at, run: sample })).concat(names.map((name) => ({ at: 2000, run: heal(name) }))), { interrupt });
    expect(kinds(outcomes)).toEqual(names.map(() => 'healed'));
    // each member used to wait on the interrupt itself: twelve listeners, and Node's MaxListenersExceededWarning
    expect(counts).toEqual([1, 1, 1]);
    expect(getEventListeners(interrupt.signal, 'abort')).toHaveLength(0);
  });

  it('a 12-member bundle makes Node warn about no listener leak (the observers\' stop signal fans out too)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const names = Array.from({ length: 12 }, (_, i) => `w${i}`);
      const outcomes = await drive(names.map((name) => member(name)), names.map((name) => ({ at: 2000, run: heal(name) })));
      expect(kinds(outcomes)).toEqual(names.map(() => 'healed'));
      // Node emits process warnings on a later tick
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });
});

/** When each `check` command was sent while the attempt was confirming the drift or observing: ms of the clock. */
function recordObservingChecks(): number[] {
  const times: number[] = [];
  const { handler } = h.files;
  h.transport = new ScriptedTransport('web1', h.clock, (command) => {
    const phase = h.sink.ofType('phase').filter((p) => p.status === 'start').at(-1)?.phase;
    if (command.startsWith('check') && (phase === 'confirm_drift' || phase === 'observe')) times.push(h.clock.now());
    return handler(command);
  });
  return times;
}

const phaseAt = (phase: string, status: 'start' | 'end') => h.sink.ofType('phase').find((p) => p.phase === phase && p.status === status)!;

describe('observing', () => {
  it('checks the ground truth every probe interval from the first check; a detection does not bring a check forward as a claim does', async () => {
    const checks = recordObservingChecks();
    const detected = () => h.observer.emit({ kind: 'detected', at: h.clock.wallNow(), host: 'web1', checkType: 'check_a', raw: {} });
    const [outcome] = await drive([member('a', { window: '5s' })], [{ at: 1550, run: detected }]);
    expect(outcome!.verdict).toEqual({ kind: 'not_healed' });
    const confirm = phaseAt('confirm_drift', 'start').mono;
    expect(checks.map((t) => t - confirm)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(h.sink.ofType('signal').map((s) => s.kind)).toEqual(['detected']);
  });

  it('a stack signal is timed from t0, the end of the injection, though it is correlated from the injection\'s start', async () => {
    const slow = new ScriptedTransport('web1', h.clock, h.files.handler);
    const exec = slow.exec.bind(slow);
    // the inject command takes half a second
    slow.exec = async (command: string) => {
      if (command.startsWith('inject')) await h.clock.sleep(500);
      return exec(command);
    };
    h.transport = slow;
    let claimedAt = 0;
    const claim = () => {
      claimedAt = h.clock.wallNow();
      heal('a')();
    };
    const [outcome] = await drive([member('a')], [{ at: 2000, run: claim }]);
    const [t0] = h.sink.ofType('attempt_t0');
    expect(t0!.t0Wall - h.observer.requests[0]!.since).toBe(500);
    const [signal] = h.sink.ofType('signal');
    // received the moment it was stamped
    expect(signal).toMatchObject({ kind: 'claimed_healed', at: claimedAt - t0!.t0Wall, receivedAt: claimedAt - t0!.t0Wall });
    expect(outcome!.verdict).toMatchObject({ kind: 'healed', claimAt: claimedAt - t0!.t0Wall });
  });

  it('a drift back during hold ends it failed: the restore did not stay (flapped)', async () => {
    const [outcome] = await drive([member('a')], [{ at: 1000, run: heal('a') }, { at: 1500, run: () => h.files.drifted.add('a') }]);
    expect(outcome!.verdict).toMatchObject({ kind: 'flapped', redriftSeenBy: 'ground_truth' });
    const ends = h.sink.ofType('phase').filter((p) => (p.phase === 'observe' || p.phase === 'hold') && p.status === 'end');
    expect(ends.map((p) => [p.phase, p.ok, p.detail])).toEqual([
      ['observe', true, expect.stringMatching(/^restored at \d+ms$/)],
      ['hold', false, 'verdict flapped'],
    ]);
  });

  it('a host-wide summary from the stack does not confirm a drift the check no longer sees', async () => {
    h.files.healsInstantly = () => {
      h.files.drifted.delete('a');
      h.observer.emit({ kind: 'claimed_healed', at: h.clock.wallNow(), host: 'web1', checkType: '*', raw: {} });
    };
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'injection_not_applied' });
  });

  it('the stack\'s report of the drift confirms it even after an event the attempt rejects', async () => {
    h.files.healsInstantly = () => {
      h.observer.emit({ kind: 'detected', at: h.clock.wallNow(), host: 'db9', checkType: 'check_a', raw: {} });
      h.observer.emit({ kind: 'detected', at: h.clock.wallNow(), host: 'web1', checkType: 'check_a', raw: {} });
      h.files.drifted.delete('a');
    };
    await drive([member('a')]);
    expect(phaseAt('confirm_drift', 'end')).toMatchObject({ ok: true, detail: 'already restored; the drift was confirmed by the stack: healer-log reported detected' });
  });

  it('events from before the injection are history (the newest three listed, the rest counted); rejections during the attempt are all listed', async () => {
    // the host's clock, and the stack's stamps, run 1.5 s ahead
    h.transport = new ScriptedTransport('web1', h.clock, h.files.handler, 1500);
    const since = () => h.observer.requests[0]!.since;
    const old = () => {
      for (const id of ['o1', 'o2', 'o3', 'o4']) h.observer.emit({ kind: 'claimed_healed', id, at: since() + 1500 - 500, host: 'web1', checkType: 'check_a', raw: id });
    };
    const elsewhere = () => {
      for (const id of ['e1', 'e2', 'e3', 'e4']) h.observer.emit({ kind: 'claimed_healed', id, at: since() + 1500, host: 'db9', checkType: 'check_a', raw: id });
    };
    await drive([member('a', { window: '5s' })], [{ at: 1000, run: old }, { at: 1000, run: elsewhere }]);
    const rejected = h.sink.ofType('signal_rejected').map((r) => `${r.reason} ${String(r.raw)}`);
    expect(rejected).toEqual(['other_host e1', 'other_host e2', 'other_host e3', 'other_host e4', 'stale null', 'stale o2', 'stale o3', 'stale o4']);
    expect(h.sink.ofType('signal_rejected')[4]!.detail).toBe('1 older events from before the injection not listed');
  });
});

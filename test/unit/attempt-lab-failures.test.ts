import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptMember } from '../../harness/engine/context.js';
import { RevertJournal } from '../../harness/journal/journal.js';
import type { ObserverOutput, WatchRequest } from '../../harness/observers/observer.js';
import { TransportError } from '../../harness/core/errors.js';
import type { ExecResult } from '../../harness/transport/transport.js';
import { driveInjection, type TimedAction } from '../support/attempt-driver.js';
import { engineContext, MemorySink, ScriptedObserver, ScriptedTransport, TEST_HOST, testScenario, type CommandHandler } from '../support/engine-scripted.js';
import { ManualClock } from '../support/manual-clock.js';
import { tempDir } from '../support/tmp.js';

/**
 * How the attempt runner ends an attempt when the lab (not the healer) fails:
 * which phases ran, how each ended, and the reason and words of the verdict.
 * Commands are `<verb> <member>`; `answers` overrides what a verb answers.
 */
class Host {
  readonly drifted = new Set<string>();
  readonly answers = new Map<string, ReturnType<CommandHandler>>();
  /** Undo the drift when the revert runs, even if the revert command exits non-zero. */
  revertRestores = true;

  handler: CommandHandler = (command) => {
    const [verb = '', name = 'a'] = command.split(' ');
    const answer = this.answers.get(verb);
    if (verb === 'inject' && answer === undefined) this.drifted.add(name);
    if (verb === 'revert' && this.revertRestores) this.drifted.delete(name);
    if (answer !== undefined) return answer;
    if (verb === 'check') return { exitCode: this.drifted.has(name) ? 1 : 0 };
    return { exitCode: 0, stdout: verb === 'snapshot' ? `orig-${name}` : '' };
  };
}

/** A transport whose clock command can be made to answer nonsense or fail, and that remembers how it was probed. */
class ClockTransport extends ScriptedTransport {
  clockAnswer: string | TransportError | undefined;
  /** How long the host takes to answer the clock command (the round trip skew measurement halves). */
  clockTakesMs = 0;
  readonly probes: unknown[] = [];

  override async exec(command: string): Promise<ExecResult> {
    if (command.startsWith('date') && this.clockTakesMs) await clock.sleep(this.clockTakesMs);
    const answer = this.clockAnswer;
    if (!command.startsWith('date') || answer === undefined) return super.exec(command);
    if (answer instanceof TransportError) throw answer;
    return { stdout: answer, stderr: '', exitCode: 0, durationMs: 0 };
  }

  override async probe(options?: unknown): Promise<void> {
    this.probes.push(options);
    return super.probe();
  }
}

function member(name: string, overrides: Record<string, unknown> = {}, applicable = false): AttemptMember {
  return {
    attemptId: `${name}@web1#1`,
    scenario: testScenario({ id: name, check_type: `check_${name}`, ...overrides }),
    commands: {
      ...(applicable && { applicable: `applicable ${name}` }),
      snapshot: `snapshot ${name}`,
      inject: `inject ${name}`,
      check: `check ${name}`,
      revert: (snapshot) => `revert ${name} ${snapshot}`,
    },
  };
}

let dir: Awaited<ReturnType<typeof tempDir>>;
let clock: ManualClock;
let sink: MemorySink;
let host: Host;
let transport: ClockTransport;
let observer: ScriptedObserver;
let journal: RevertJournal;

beforeEach(async () => {
  dir = await tempDir('chaoslab-lab-failures-');
  clock = new ManualClock();
  sink = new MemorySink(clock);
  host = new Host();
  transport = new ClockTransport('web1', clock, host.handler);
  observer = new ScriptedObserver('healer-log');
  journal = new RevertJournal(join(dir.path, 'journal'));
});

afterEach(async () => {
  await dir[Symbol.asyncDispose]();
  // the attempt leaves no timer behind (a stray one would hold the run open)
  expect(clock.pendingSleepers()).toBe(0);
});

function drive(members: AttemptMember[], options: { actions?: TimedAction[]; interrupt?: AbortController; abortAt?: number; journal?: RevertJournal; observers?: ScriptedObserver[] } = {}) {
  const ctx = engineContext(clock, sink, options.journal ?? journal, options.observers ?? [observer]);
  return driveInjection({ clock, spec: { host: TEST_HOST, members }, transport, ctx, ...options });
}

/** `phase:status[:ok][:detail]` of one attempt, in order. */
function phases(attemptId = 'a@web1#1'): string[] {
  return sink.ofType('phase').filter((p) => p.attemptId === attemptId).map((p) => [p.phase, p.status, ...(p.status === 'end' ? [p.ok] : []), ...(p.detail !== undefined ? [p.detail] : [])].join(':'));
}

const sentVerbs = () => transport.sent.map((c) => c.split(' ')[0]!);
const HAPPY_STARTS = ['preflight', 'snapshot', 'inject', 'confirm_drift', 'observe', 'revert', 'verify_baseline'];

describe('preflight failures decide every member before anything is written', () => {
  it('a host that does not answer its probe is unreachable; nothing runs', async () => {
    transport.drop();
    const outcomes = await drive([member('a'), member('b')]);
    const detail = 'transport probe failed: web1: no route';
    expect(outcomes).toEqual([
      { attemptId: 'a@web1#1', verdict: { kind: 'inconclusive', reason: 'unreachable', detail }, passed: false },
      { attemptId: 'b@web1#1', verdict: { kind: 'inconclusive', reason: 'unreachable', detail }, passed: false },
    ]);
    expect(phases()).toEqual(['preflight:start', `preflight:end:false:${detail}`]);
    expect(transport.sent).toEqual([]);
    expect(transport.probes).toEqual([{ timeoutMs: 10_000 }]);
    expect(sink.ofType('note')).toEqual([]);
    expect(sink.ofType('attempt_ended')[0]).toEqual(expect.objectContaining({ passed: false, timings: {} }));
    expect(sink.ofType('attempt_ended')[0]).not.toHaveProperty('observedTier');
    expect(sink.ofType('attempt_ended')[0]).not.toHaveProperty('observedRunbook');
  });

  it('a host clock that cannot be read is a lab error, named', async () => {
    transport.clockAnswer = 'not a number';
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toEqual({ kind: 'inconclusive', reason: 'lab_error', detail: 'clock skew could not be measured: web1: cannot read the host clock (exit 0: not a number)' });
    expect(sentVerbs()).toEqual([]);
  });

  it('a transport lost while reading the clock is unreachable', async () => {
    transport.clockAnswer = new TransportError('TRANSPORT_CLOSED', 'web1', 'reset by peer');
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toEqual({ kind: 'inconclusive', reason: 'unreachable', detail: 'clock skew could not be measured: web1: reset by peer' });
  });

  it('a clock behind by more than the tolerance is skewed too', async () => {
    transport = new ClockTransport('web1', clock, host.handler, -60_000);
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'clock_skew' });
  });

  it('a skewed clock says by how much and the tolerance', async () => {
    transport = new ClockTransport('web1', clock, host.handler, 60_000);
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toEqual({ kind: 'inconclusive', reason: 'clock_skew', detail: 'host clock is off by 60000ms (±0ms), tolerance 2000ms' });
    expect(phases()).toEqual(['preflight:start', 'preflight:end:false:host clock is off by 60000ms (±0ms), tolerance 2000ms']);
  });

  it('a skew inside the tolerance, or within its own uncertainty, lets the attempt go on', async () => {
    transport = new ClockTransport('web1', clock, host.handler, 2000);
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict.kind).toBe('not_healed');
  });

  it('a skew beyond the tolerance by no more than the measurement\'s uncertainty lets the attempt go on', async () => {
    transport = new ClockTransport('web1', clock, host.handler, 2000);
    // a 1 s round trip: the host's answer is read as 2500 ms ahead, ± 500 ms
    transport.clockTakesMs = 1000;
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict.kind).toBe('not_healed');
    expect(sink.ofType('attempt_t0')[0]!.skewMs).toBe(2500);
  });

  it('a transport lost at the baseline check: the host is unreachable, said by the phase', async () => {
    host.answers.set('check', 'drop');
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toEqual({ kind: 'inconclusive', reason: 'unreachable', detail: 'preflight: web1: connection lost' });
    expect(phases()).toEqual(['preflight:start', 'preflight:end:false:preflight: web1: connection lost']);
  });

  it('not at baseline: the member says so, and the rest of its bundle says which member was not ready', async () => {
    host.drifted.add('b');
    const outcomes = await drive([member('a'), member('b')]);
    const detail = 'the baseline check fails before injection (exit 1: drifted)';
    expect(outcomes.map((o) => o.verdict)).toEqual([
      { kind: 'inconclusive', reason: 'baseline_dirty', detail: `bundle member b@web1#1 is not ready: ${detail}` },
      { kind: 'inconclusive', reason: 'baseline_dirty', detail },
    ]);
    expect(phases()).toEqual(['preflight:start', `preflight:end:false:bundle member b@web1#1 is not ready: ${detail}`]);
    expect(phases('b@web1#1')).toEqual(['preflight:start', `preflight:end:false:${detail}`]);
  });

  it('a baseline check or a fault preflight that cannot tell says which', async () => {
    host.answers.set('check', { exitCode: 2, stdout: 'permission denied\n' });
    const [baseline] = await drive([member('a')]);
    expect(baseline!.verdict).toEqual({ kind: 'inconclusive', reason: 'probe_error', detail: 'the baseline check could not tell before injection: check exited 2: permission denied' });
    host.answers.set('applicable', { exitCode: 2 });
    const [applies] = await drive([member('a', {}, true)]);
    expect(applies!.verdict).toEqual({ kind: 'inconclusive', reason: 'probe_error', detail: 'preflight could not tell whether the fault applies: check exited 2' });
  });

  it('a fault preflight that refuses without a word still gives a reason', async () => {
    host.answers.set('applicable', { exitCode: 1, stdout: '  \n' });
    const [outcome] = await drive([member('a', {}, true)]);
    expect(outcome!.verdict).toEqual({ kind: 'skipped', reason: 'not_applicable', detail: 'not applicable here: the fault\'s preflight refused this host' });
    expect(outcome!.passed).toBe(false);
  });

  it('Ctrl-C before the first snapshot: interrupted, nothing snapshotted', async () => {
    const interrupt = new AbortController();
    interrupt.abort(new Error('SIGINT'));
    const outcomes = await drive([member('a'), member('b')], { interrupt });
    expect(outcomes.map((o) => o.verdict)).toEqual([
      { kind: 'inconclusive', reason: 'interrupted', detail: 'interrupted before injection' },
      { kind: 'inconclusive', reason: 'interrupted', detail: 'interrupted before injection' },
    ]);
    expect(sentVerbs().filter((v) => v !== 'date')).toEqual(['check', 'check']);
    expect(phases()).toEqual(['preflight:start', 'preflight:end:true']);
  });
});

describe('snapshot and journal failures', () => {
  it('a snapshot that exits non-zero ends the bundle as lab_error; nothing is injected or left in the journal', async () => {
    host.answers.set('snapshot', { exitCode: 2, stdout: 'disk full\n' });
    const outcomes = await drive([member('a'), member('b')]);
    const detail = 'snapshot/journal of a@web1#1 failed: snapshot exited 2: disk full';
    expect(outcomes.map((o) => o.verdict)).toEqual([
      { kind: 'inconclusive', reason: 'lab_error', detail },
      { kind: 'inconclusive', reason: 'lab_error', detail },
    ]);
    expect(phases()).toEqual(['preflight:start', 'preflight:end:true', 'snapshot:start', `snapshot:end:false:${detail}`]);
    expect(phases('b@web1#1')).toEqual(['preflight:start', 'preflight:end:true']);
    expect(sentVerbs()).not.toContain('inject');
    expect((await journal.pending()).entries).toEqual([]);
  });

  it('a transport lost while snapshotting is transport_lost for every member', async () => {
    host.answers.set('snapshot', 'drop');
    const outcomes = await drive([member('a'), member('b')]);
    expect(outcomes.map((o) => o.verdict)).toEqual([
      { kind: 'inconclusive', reason: 'transport_lost', detail: 'snapshot/journal of a@web1#1 failed: web1: connection lost' },
      { kind: 'inconclusive', reason: 'transport_lost', detail: 'snapshot/journal of a@web1#1 failed: web1: connection lost' },
    ]);
  });

  it('without a snapshot command the revert gets an empty snapshot', async () => {
    const plain = member('a');
    const { snapshot: _none, ...commands } = plain.commands;
    await drive([{ ...plain, commands }]);
    expect(transport.sent.filter((c) => c.startsWith('revert'))).toEqual(['revert a ']);
  });

  it('a journal entry that cannot be removed is left for a later replay, with a warning; the verdict stands', async () => {
    const stuck = Object.assign(Object.create(journal) as RevertJournal, {
      remove: async () => {
        throw new Error('EROFS: read-only file system');
      },
    });
    const [outcome] = await drive([member('a')], { journal: stuck });
    expect(outcome!.verdict).toEqual({ kind: 'not_healed' });
    expect(sink.ofType('note')).toEqual([expect.objectContaining({ level: 'warn', message: 'a@web1#1: EROFS: read-only file system; a later replay will revert it again' })]);
    expect(phases().at(-1)).toBe('verify_baseline:end:true');
  });
});

describe('injection failures', () => {
  it('an inject that exits non-zero and does not take: injection_not_applied, says the exit, still reverted', async () => {
    host.answers.set('inject', { exitCode: 3 });
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toEqual({ kind: 'inconclusive', reason: 'injection_not_applied', detail: 'the check still passes after the injection (inject exited 3)' });
    expect(phases()).toEqual([
      'preflight:start', 'preflight:end:true',
      'snapshot:start', 'snapshot:end:true',
      'inject:start', 'inject:end:false:inject exited 3',
      'confirm_drift:start', 'confirm_drift:end:false:check still passes',
      'revert:start', 'revert:end:true',
      'verify_baseline:start', 'verify_baseline:end:true',
    ]);
  });

  it('each member gets its t0 when every member has been injected', async () => {
    await drive([member('a'), member('b')], { actions: [] });
    const t0 = sink.ofType('attempt_t0');
    expect(t0.map((e) => e.attemptId)).toEqual(['a@web1#1', 'b@web1#1']);
    const injectEnds = sink.ofType('phase').filter((p) => p.phase === 'inject' && p.status === 'end');
    expect(t0.every((e) => e.t0Wall === clock.wallNow() - clock.now() + injectEnds[1]!.mono && e.skewMs === 0)).toBe(true);
  });

  it('Ctrl-C while the first member is injected: the next one is not injected, only un-journalled', async () => {
    const interrupt = new AbortController();
    transport = new ClockTransport('web1', clock, (command) => {
      if (command === 'inject a') interrupt.abort(new Error('SIGINT'));
      return host.handler(command);
    });
    const outcomes = await drive([member('a'), member('b')], { interrupt });
    expect(outcomes[1]!.verdict).toEqual({ kind: 'inconclusive', reason: 'interrupted', detail: 'interrupted before injection' });
    expect(transport.sent.filter((c) => /^(inject|revert)/.test(c))).toEqual(['inject a', 'revert a orig-a']);
    expect((await journal.pending()).entries).toEqual([]);
  });

  it('a transport lost while injecting the second member: both transport_lost, both entries kept', async () => {
    host.answers.set('inject', { exitCode: 0 });
    let injects = 0;
    const base = host.handler;
    host.handler = (command) => (command.startsWith('inject') && ++injects === 2 ? 'drop' : base(command));
    transport = new ClockTransport('web1', clock, (command) => host.handler(command));
    const outcomes = await drive([member('a'), member('b')]);
    expect(outcomes.map((o) => o.verdict)).toEqual([
      // the revert that could not run is said once, with the entry left for `revert --pending`
      { kind: 'inconclusive', reason: 'transport_lost', detail: expect.stringMatching(/^inject: web1: connection lost; the revert could not run: web1: connection lost; journal entry run-test_a_web1_1_\w+ kept for `chaoslab revert --pending`$/) },
      { kind: 'inconclusive', reason: 'transport_lost', detail: expect.stringMatching(/^inject: web1: connection lost; the revert could not run: web1: connection lost; journal entry run-test_b_web1_1_\w+ kept for `chaoslab revert --pending`$/) },
    ]);
    expect(phases('b@web1#1').slice(4)).toEqual(['inject:start', 'inject:end:false:web1: connection lost', 'revert:start', 'revert:end:false:web1: connection lost']);
    expect(phases('a@web1#1').slice(4)).toEqual(['inject:start', 'inject:end:true', 'revert:start', 'revert:end:false:web1: connection lost']);
    expect((await journal.pending()).entries).toHaveLength(2);
  });
});

describe('the evidence of each command', () => {
  it('records every command under the step that sent it', async () => {
    host.answers.set('applicable', { exitCode: 0 });
    const [outcome] = await drive([member('a', {}, true)]);
    expect(outcome!.verdict).toEqual({ kind: 'not_healed' });
    const steps = sink.ofType('command').map((c) => `${c.step} ${c.command.split(' ')[0]}`);
    expect(steps).toEqual(['preflight applicable', 'preflight check', 'snapshot snapshot', 'inject inject', 'check check', 'revert revert', 'check check']);
  });
});

describe('confirming the drift', () => {
  it('a check that cannot tell after the injection fails the confirm phase with why', async () => {
    const base = host.handler;
    let injected = false;
    transport = new ClockTransport('web1', clock, (command) => {
      if (command.startsWith('inject')) injected = true;
      return command.startsWith('check') && injected ? { exitCode: 2 } : base(command);
    });
    await drive([member('a')]);
    expect(phases()).toContain('confirm_drift:end:false:check exited 2');
  });

  it('with no observer to ask, a check that still passes ends the attempt at once', async () => {
    host.answers.set('inject', { exitCode: 0 });
    const [outcome] = await drive([member('a')], { observers: [] });
    expect(outcome!.verdict).toMatchObject({ reason: 'injection_not_applied', detail: 'the check still passes after the injection (inject exited 0)' });
    const confirm = sink.ofType('phase').filter((p) => p.phase === 'confirm_drift');
    expect(confirm[1]!.mono - confirm[0]!.mono).toBe(0);
  });

  it('the stack\'s word on the drift may trail the check by up to one probe interval', async () => {
    host.answers.set('inject', { exitCode: 0 });
    const detected = () => observer.emit({ kind: 'detected', at: clock.wallNow(), host: 'web1', checkType: 'check_a', raw: {} });
    const [outcome] = await drive([member('a', { probe_interval: '3s' })], { actions: [{ at: 2500, run: detected }] });
    expect(phases()).toContain('confirm_drift:end:true:already restored; the drift was confirmed by the stack: healer-log reported detected');
    expect(outcome!.verdict.kind).not.toBe('inconclusive');
  });
});

describe('revert failures', () => {
  it('a baseline check that cannot tell after the revert: probe_error, naming the entry kept', async () => {
    const base = host.handler;
    let reverted = false;
    transport = new ClockTransport('web1', clock, (command) => {
      if (command.startsWith('revert')) reverted = true;
      if (command.startsWith('check') && reverted) return { exitCode: 2 };
      return base(command);
    });
    const [outcome] = await drive([member('a')]);
    const [entry] = (await journal.pending()).entries;
    expect(outcome!.verdict).toEqual({ kind: 'inconclusive', reason: 'probe_error', detail: `verify_baseline: check exited 2; journal entry ${entry!.id} kept` });
    expect(phases().at(-1)).toBe('verify_baseline:end:false:check exited 2');
  });

  it('a revert that exits non-zero but restores the host: the revert phase failed, the baseline holds, the verdict stands', async () => {
    host.answers.set('revert', { exitCode: 1 });
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toEqual({ kind: 'not_healed' });
    expect(phases().slice(-4)).toEqual(['revert:start', 'revert:end:false:revert command failed', 'verify_baseline:start', 'verify_baseline:end:true']);
    expect((await journal.pending()).entries).toEqual([]);
  });

  it('a host still drifted after the revert: revert_failed, naming the entry kept', async () => {
    host.answers.set('revert', { exitCode: 1 });
    host.revertRestores = false;
    const [outcome] = await drive([member('a')]);
    const [entry] = (await journal.pending()).entries;
    expect(outcome!.verdict).toEqual({ kind: 'inconclusive', reason: 'revert_failed', detail: `host not at baseline after the revert (check exited 1: drifted); journal entry ${entry!.id} kept` });
    expect(phases().at(-1)).toBe('verify_baseline:end:false:check exited 1');
  });

  it('transport lost during the revert, after an observer failed: transport_lost decides, no baseline check, the entry stays', async () => {
    const broken = new ScriptedObserver('dead-api', new Error('connection refused'));
    host.answers.set('revert', 'drop');
    const [outcome] = await drive([member('a')], { observers: [broken], actions: [{ at: 2000, run: () => host.drifted.delete('a') }] });
    expect(outcome).toEqual({ attemptId: 'a@web1#1', verdict: { kind: 'inconclusive', reason: 'transport_lost', detail: expect.stringMatching(/^revert: web1: connection lost; journal entry run-test_a_web1_1_\w+ kept for `chaoslab revert --pending`$/) }, passed: false });
    expect(phases().slice(-2)).toEqual(['revert:start', 'revert:end:false:web1: connection lost']);
    expect((await journal.pending()).entries).toHaveLength(1);
  });

  it('transport lost at the baseline check after the revert: transport_lost, the entry stays', async () => {
    let checksAfterRevert = -1;
    const base = host.handler;
    transport = new ClockTransport('web1', clock, (command) => {
      if (command.startsWith('revert')) checksAfterRevert = 0;
      if (command.startsWith('check') && checksAfterRevert >= 0) return 'drop';
      return base(command);
    });
    const [outcome] = await drive([member('a')]);
    expect(outcome!.verdict).toEqual({ kind: 'inconclusive', reason: 'transport_lost', detail: expect.stringMatching(/^verify_baseline: web1: connection lost; journal entry run-test_a_web1_1_\w+ kept for `chaoslab revert --pending`$/) });
    expect(phases().at(-1)).toBe('verify_baseline:end:false:web1: connection lost');
    expect((await journal.pending()).entries).toHaveLength(1);
  });
});

describe('observation ends', () => {
  it('Ctrl-C during hold says when, and the hold did not last', async () => {
    const heal = () => {
      host.drifted.delete('a');
      observer.emit({ kind: 'claimed_healed', at: clock.wallNow(), host: 'web1', checkType: 'check_a', runbook: 'RB-1', tier: 'L1', raw: {} });
    };
    const [outcome] = await drive([member('a')], { actions: [{ at: 1000, run: heal }], abortAt: 2000 });
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'interrupted', detail: expect.stringMatching(/^interrupted during hold at \d+ms after injection$/) });
    expect(phases().filter((p) => p.startsWith('observe:end') || p.startsWith('hold:end'))).toEqual([expect.stringMatching(/^observe:end:true:restored at \d+ms$/), 'hold:end:false:verdict inconclusive']);
  });

  it('a healed attempt reports its timings and passes', async () => {
    const heal = () => {
      host.drifted.delete('a');
      observer.emit({ kind: 'claimed_healed', at: clock.wallNow(), host: 'web1', checkType: 'check_a', runbook: 'RB-1', tier: 'L1', raw: {} });
    };
    const [outcome] = await drive([member('a')], { actions: [{ at: 1500, run: heal }] });
    expect(outcome!.passed).toBe(true);
    const [ended] = sink.ofType('attempt_ended');
    expect(Object.keys(ended!.timings).sort()).toEqual(['claimMs', 'detectMs', 'restoreMs']);
    expect(phases().filter((p) => p.endsWith(':start')).map((p) => p.split(':')[0])).toEqual([...HAPPY_STARTS.slice(0, 5), 'hold', ...HAPPY_STARTS.slice(5)]);
    expect(phases()).toContain('hold:end:true:verdict healed');
  });

  it('an observer that ignores the stop is left behind after two seconds; the revert still runs', async () => {
    const stubborn = new ScriptedObserver('stubborn');
    stubborn.watch = async function* (request: WatchRequest): AsyncIterable<ObserverOutput> {
      stubborn.requests.push(request);
      await new Promise(() => undefined);
    };
    const [outcome] = await drive([member('a')], { observers: [stubborn] });
    expect(outcome!.verdict).toEqual({ kind: 'not_healed' });
    const observeEnd = sink.ofType('phase').find((p) => p.phase === 'observe' && p.status === 'end')!;
    const revertStart = sink.ofType('phase').find((p) => p.phase === 'revert' && p.status === 'start')!;
    expect(revertStart.mono - observeEnd.mono).toBeGreaterThanOrEqual(2000);
    expect(revertStart.mono - observeEnd.mono).toBeLessThan(2200);
  });
});

describe('what observing records and how it ends', () => {
  const heal = () => {
    host.drifted.delete('a');
    observer.emit({ kind: 'claimed_healed', at: clock.wallNow(), host: 'web1', checkType: 'check_a', runbook: 'RB-1', tier: 'L1', raw: {} });
  };

  it('a probe is kept as evidence when it errs or its answer changes, not while it says the same', async () => {
    let errOnce = false;
    transport = new ClockTransport('web1', clock, (command) => {
      if (command.startsWith('check') && errOnce) {
        errOnce = false;
        return { exitCode: 2 };
      }
      return host.handler(command);
    });
    await drive([member('a')], { actions: [{ at: 1500, run: () => (errOnce = true) }, { at: 2500, run: () => host.drifted.delete('a') }] });
    // probes at 1 s (drifted: not kept), 2 s (erred: kept), retried at 3 s (restored: kept), then through the hold (restored: not kept)
    expect(sink.ofType('command').filter((c) => c.step === 'probe').map((c) => [c.exitCode, c.at])).toEqual([[2, 2000], [0, 3000]]);
  });

  it('an observer whose watch ends before the attempt is unavailable, and says so; a watch that ends because it was stopped is no error', async () => {
    const short = new ScriptedObserver('short');
    short.watch = async function* (request: WatchRequest): AsyncIterable<ObserverOutput> {
      short.requests.push(request);
    };
    // restored with no claim: one unread observer may have missed it
    const [outcome] = await drive([member('a')], { observers: [observer, short], actions: [{ at: 1500, run: () => host.drifted.delete('a') }] });
    expect(sink.ofType('observer_error')).toEqual([expect.objectContaining({ attemptId: 'a@web1#1', observer: 'short', message: 'its event stream ended before the attempt did' })]);
    expect(outcome!.verdict).toMatchObject({ kind: 'inconclusive', reason: 'observer_unavailable' });
  });

  it('an observer whose every record was malformed is named misconfigured in a warning', async () => {
    const garbage = () => {
      for (const raw of ['{', 'not json']) observer.emit({ malformed: true, detail: `unreadable: ${raw}`, raw } as never);
    };
    await drive([member('a')], { actions: [{ at: 1500, run: garbage }] });
    expect(sink.ofType('note')).toEqual([
      expect.objectContaining({ level: 'warn', message: 'a@web1#1: observer healer-log is misconfigured: all 2 record(s) it read were malformed (first: unreadable: {); the attempt was judged without it' }),
    ]);
  });

  it('Ctrl-C while a probe error is retried says the phase it stopped', async () => {
    const erring = () => host.answers.set('check', { exitCode: 2 });
    const [observing] = await drive([member('a')], { actions: [{ at: 1500, run: erring }], abortAt: 2500 });
    expect(observing!.verdict).toMatchObject({ reason: 'interrupted', detail: 'interrupted during observe' });
    host.answers.delete('check');
    const [holding] = await drive([member('a')], { actions: [{ at: 1000, run: heal }, { at: 1500, run: erring }], abortAt: 2500 });
    expect(holding!.verdict).toMatchObject({ reason: 'interrupted', detail: 'interrupted during hold' });
  });

  it('a check that keeps erring during hold ends the attempt probe_error, said by the phase', async () => {
    const [outcome] = await drive([member('a')], { actions: [{ at: 1000, run: heal }, { at: 1500, run: () => host.answers.set('check', { exitCode: 2 }) }] });
    expect(outcome!.verdict).toEqual({ kind: 'inconclusive', reason: 'probe_error', detail: 'hold: check exited 2' });
  });

  it('a transport lost at a probe during hold: transport_lost said by the phase, the probe recorded, the hold failed', async () => {
    const [outcome] = await drive([member('a')], { actions: [{ at: 1000, run: heal }, { at: 1500, run: () => host.answers.set('check', 'drop') }] });
    expect(outcome!.verdict).toMatchObject({ reason: 'transport_lost', detail: expect.stringMatching(/^hold: web1: connection lost; /) });
    expect(sink.ofType('command').filter((c) => c.error !== undefined).map((c) => `${c.step} ${c.command}`)).toEqual(['probe check a', 'revert revert a orig-a']);
    expect(phases()).toContain('hold:end:false:verdict inconclusive');
  });

  it('a probe that cannot be sent for another reason is a lab error', async () => {
    let broken = false;
    transport = new ClockTransport('web1', clock, (command) => {
      if (broken && command.startsWith('check')) throw new Error('spawn EAGAIN');
      return host.handler(command);
    });
    const [outcome] = await drive([member('a')], { actions: [{ at: 1500, run: () => (broken = true) }] });
    expect(outcome!.verdict).toMatchObject({ reason: 'lab_error', detail: expect.stringMatching(/^ground-truth check failed to run: spawn EAGAIN; /) });
  });
});

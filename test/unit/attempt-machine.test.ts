import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../harness/core/logger.js';
import { TransportError } from '../../harness/core/errors.js';
import {
  ATTEMPT_TRANSITIONS,
  AttemptMachine,
  attemptDiagram,
  canTransition,
  IllegalTransitionError,
  LAB_FAILURE_RANK,
  outranks,
  type AttemptState,
  type LabVerdict,
} from '../../harness/engine/attempt-machine.js';
import type { Judgement } from '../../harness/engine/verdict.js';
import type { Phase } from '../../harness/model/run-model.js';
import type { InconclusiveReason } from '../../harness/model/verdict.js';
import { MemorySink } from '../support/engine-scripted.js';
import { ManualClock } from '../support/manual-clock.js';

/** Every edge of the attempt, written out: the table must say exactly this. */
const EDGES: readonly (readonly [AttemptState, Phase | 'ended'])[] = [
  ['planned', 'preflight'],
  ['preflight', 'snapshot'],
  ['preflight', 'ended'],
  ['snapshot', 'inject'],
  ['snapshot', 'ended'],
  ['inject', 'confirm_drift'],
  ['inject', 'revert'],
  ['confirm_drift', 'observe'],
  ['confirm_drift', 'revert'],
  ['observe', 'hold'],
  ['observe', 'revert'],
  ['hold', 'revert'],
  ['revert', 'verify_baseline'],
  ['revert', 'ended'],
  ['verify_baseline', 'ended'],
];

const STATES: readonly AttemptState[] = ['planned', 'preflight', 'snapshot', 'inject', 'confirm_drift', 'observe', 'hold', 'revert', 'verify_baseline', 'ended'];
const TARGETS = STATES.filter((s): s is Phase | 'ended' => s !== 'planned');

/** The way from `planned` to `state` along the happy path (and on to the end). */
const HAPPY: readonly (Phase | 'ended')[] = ['preflight', 'snapshot', 'inject', 'confirm_drift', 'observe', 'hold', 'revert', 'verify_baseline', 'ended'];

interface LogLine {
  readonly level: 'info' | 'warn';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

function recordingLogger(lines: LogLine[]): Logger {
  const at = (level: LogLine['level']) => (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message });
  return { info: at('info'), warn: at('warn') } as unknown as Logger;
}

function setup(attemptId = 'a@web1#1') {
  const clock = new ManualClock();
  const sink = new MemorySink(clock);
  const log: LogLine[] = [];
  const machine = new AttemptMachine({ attemptId, sink, logger: recordingLogger(log) });
  return { clock, sink, log, machine };
}

/** A machine walked to `state`: along the happy path, or along preflight → ended for `ended`. */
function machineIn(state: AttemptState) {
  const s = setup();
  const path = state === 'planned' ? [] : state === 'ended' ? (['preflight', 'ended'] as const) : HAPPY.slice(0, HAPPY.indexOf(state) + 1);
  for (const step of path) s.machine.transition(step);
  return s;
}

const inconclusive = (reason: InconclusiveReason, detail = reason): LabVerdict => ({ kind: 'inconclusive', reason, detail });
const notApplicable: LabVerdict = { kind: 'skipped', reason: 'not_applicable', detail: 'GPO-managed' };

describe('the transition table', () => {
  it('lists exactly the attempt\'s edges', () => {
    const table = STATES.flatMap((from) => ATTEMPT_TRANSITIONS[from].map((t) => [from, t.to] as const));
    expect(table).toEqual(EDGES);
    for (const from of STATES) for (const t of ATTEMPT_TRANSITIONS[from]) expect(t.when).toMatch(/^[^:;]+$/);
  });

  it.each(EDGES)('allows %s → %s', (from, to) => {
    const { machine, sink } = machineIn(from);
    expect(canTransition(from, to)).toBe(true);
    const before = sink.events.length;
    machine.transition(to);
    expect(machine.state).toBe(to);
    // a phase is entered with a start event; the end of the attempt starts nothing
    const started = sink.ofType('phase').slice(before).filter((e) => e.status === 'start');
    expect(started.map((e) => e.phase)).toEqual(to === 'ended' ? [] : [to]);
  });

  it('refuses every move the table does not list, with a typed error and no effect', () => {
    let refused = 0;
    for (const from of STATES) {
      for (const to of TARGETS) {
        if (EDGES.some(([f, t]) => f === from && t === to)) continue;
        expect(canTransition(from, to)).toBe(false);
        const { machine, sink } = machineIn(from);
        const before = sink.events.length;
        const error = (() => {
          try {
            machine.transition(to);
          } catch (caught) {
            return caught;
          }
          return undefined;
        })();
        expect(error).toBeInstanceOf(IllegalTransitionError);
        expect(error).toMatchObject({ code: 'CHAOSLAB_ILLEGAL_TRANSITION', attemptId: 'a@web1#1', from, to, name: 'IllegalTransitionError' });
        expect(machine.state).toBe(from);
        expect(sink.events.length).toBe(before);
        refused += 1;
      }
    }
    expect(refused).toBe(STATES.length * TARGETS.length - EDGES.length);
  });

  it.each([
    ['planned', 'snapshot', 'preflight'],
    ['preflight', 'inject', 'snapshot, ended'],
    ['snapshot', 'revert', 'inject, ended'],
    ['inject', 'observe', 'confirm_drift, revert'],
    ['hold', 'observe', 'revert'],
    ['observe', 'verify_baseline', 'hold, revert'],
    ['verify_baseline', 'revert', 'ended'],
    ['ended', 'preflight', 'none'],
  ] as const)('refuses %s → %s and names what is allowed', (from, to, allowed) => {
    const { machine } = machineIn(from);
    expect(() => machine.transition(to)).toThrow(`a@web1#1: the attempt cannot go from ${from} to ${to} (allowed: ${allowed})`);
  });

  it('a phase cannot be entered twice in a row', () => {
    for (const phase of HAPPY.filter((p) => p !== 'ended')) {
      expect(canTransition(phase, phase)).toBe(false);
    }
  });
});

describe('phase spans (ManualClock)', () => {
  it('a transition closes the open span as ok and opens the next; the sink stamps both on the clock', async () => {
    const { machine, sink, clock, log } = setup();
    machine.transition('preflight');
    await clock.advance(1500);
    machine.transition('snapshot');
    await clock.advance(250);
    machine.endPhase(false, 'snapshot exited 2');
    expect(sink.ofType('phase').map(({ phase, status, mono, ok, detail }) => ({ phase, status, mono, ok, detail }))).toEqual([
      { phase: 'preflight', status: 'start', mono: 0, ok: undefined, detail: undefined },
      { phase: 'preflight', status: 'end', mono: 1500, ok: true, detail: undefined },
      { phase: 'snapshot', status: 'start', mono: 1500, ok: undefined, detail: undefined },
      { phase: 'snapshot', status: 'end', mono: 1750, ok: false, detail: 'snapshot exited 2' },
    ]);
    expect(sink.ofType('phase').every((e) => e.attemptId === 'a@web1#1')).toBe(true);
    expect(log.filter((l) => l.level === 'info').map((l) => [l.message, l.fields.phase])).toEqual([
      ['phase started', 'preflight'],
      ['phase ended', 'preflight'],
      ['phase started', 'snapshot'],
      ['phase ended', 'snapshot'],
    ]);
    expect(log[3]!.fields).toEqual({ attemptId: 'a@web1#1', phase: 'snapshot', ok: false, detail: 'snapshot exited 2' });
    expect(log[0]!.fields).toEqual({ attemptId: 'a@web1#1', phase: 'preflight' });
  });

  it('between phases the attempt stays in its phase with no open span; ending again emits nothing', () => {
    const { machine, sink } = setup();
    expect(machine.openPhase).toBeUndefined();
    machine.endPhase(true);
    expect(sink.events).toEqual([]);
    machine.transition('preflight');
    expect(machine.openPhase).toBe('preflight');
    machine.endPhase(true);
    machine.endPhase(false, 'twice');
    expect(machine.state).toBe('preflight');
    expect(machine.openPhase).toBeUndefined();
    expect(sink.ofType('phase').filter((e) => e.status === 'end')).toHaveLength(1);
    expect(sink.ofType('phase')[1]).not.toHaveProperty('detail');
    machine.transition('snapshot');
    // the closed span is not closed a second time by the transition
    expect(sink.ofType('phase').map((e) => `${e.phase}:${e.status}`)).toEqual(['preflight:start', 'preflight:end', 'snapshot:start']);
  });

  it('the end of the attempt closes the last span and opens none', () => {
    const { machine, sink } = machineIn('verify_baseline');
    machine.transition('ended');
    expect(machine.openPhase).toBeUndefined();
    expect(sink.ofType('phase').at(-1)).toMatchObject({ phase: 'verify_baseline', status: 'end', ok: true });
  });
});

describe('the ranking of lab failures', () => {
  it('ranks refused credentials above transport loss, transport loss above every other reason, and every other reason alike', () => {
    const expected = (reason: string) => (reason === 'credentials_refused' ? 3 : reason === 'transport_lost' ? 2 : 1);
    for (const [reason, rank] of Object.entries(LAB_FAILURE_RANK)) expect([reason, rank]).toEqual([reason, expected(reason)]);
  });

  it('a refused login met when reconnecting explains the drop before it', () => {
    const { machine } = machineIn('revert');
    machine.fail('transport_lost', 'observe: connection reset');
    machine.fail('credentials_refused', 'revert: all authentication methods failed');
    machine.fail('transport_lost', 'verify_baseline: connection reset');
    expect(machine.labVerdict).toEqual({ kind: 'inconclusive', reason: 'credentials_refused', detail: 'revert: all authentication methods failed' });
  });

  it('the first failure decides when none outranks it', () => {
    expect(outranks(inconclusive('probe_error'), undefined)).toBe(true);
    expect(outranks(inconclusive('probe_error'), inconclusive('interrupted'))).toBe(false);
    expect(outranks(inconclusive('transport_lost'), inconclusive('observer_unavailable'))).toBe(true);
    expect(outranks(inconclusive('transport_lost'), inconclusive('transport_lost'))).toBe(false);
    expect(outranks(inconclusive('interrupted'), inconclusive('transport_lost'))).toBe(false);
    expect(outranks(inconclusive('transport_lost'), notApplicable)).toBe(true);
    expect(outranks(notApplicable, inconclusive('baseline_dirty'))).toBe(false);
  });

  it('transport lost during the revert, after a probe error, decides the attempt', () => {
    const { machine, log } = machineIn('revert');
    machine.fail('probe_error', 'observe: check exited 2');
    machine.fail('revert_failed', 'not at baseline');
    machine.fail('transport_lost', 'revert: connection reset');
    machine.fail('transport_lost', 'verify_baseline: connection reset');
    machine.fail('lab_error', 'later');
    expect(machine.labVerdict).toEqual({ kind: 'inconclusive', reason: 'transport_lost', detail: 'revert: connection reset' });
    expect(machine.decided).toBe(true);
    // one warning per change of verdict, none for the failures that lost
    expect(log.filter((l) => l.level === 'warn')).toEqual([
      { level: 'warn', fields: { attemptId: 'a@web1#1', reason: 'probe_error', detail: 'observe: check exited 2' }, message: 'attempt inconclusive' },
      { level: 'warn', fields: { attemptId: 'a@web1#1', reason: 'transport_lost', detail: 'revert: connection reset' }, message: 'attempt inconclusive' },
    ]);
  });

  it('a host that cannot take the fault is skipped, unless the lab failed first; only transport loss overrides the skip', () => {
    const skipped = setup();
    expect(skipped.machine.decided).toBe(false);
    skipped.machine.skipNotApplicable('GPO-managed');
    skipped.machine.fail('baseline_dirty', 'dirty');
    skipped.machine.skipNotApplicable('second');
    expect(skipped.machine.labVerdict).toEqual(notApplicable);
    expect(skipped.log.filter((l) => l.level === 'warn')).toEqual([{ level: 'warn', fields: { attemptId: 'a@web1#1', detail: 'GPO-managed' }, message: 'fault not applicable on this host' }]);
    skipped.machine.fail('transport_lost', 'gone');
    expect(skipped.machine.labVerdict).toMatchObject({ kind: 'inconclusive', reason: 'transport_lost' });

    const failed = setup();
    failed.machine.fail('unreachable', 'probe failed');
    failed.machine.skipNotApplicable('GPO-managed');
    expect(failed.machine.labVerdict).toMatchObject({ kind: 'inconclusive', reason: 'unreachable' });
  });

  it('a thrown error: the host unreachable in preflight, lost after it, anything else a lab error', () => {
    const lost = new TransportError('TRANSPORT_CLOSED', 'web1', 'connection reset');
    const cases: [Phase, unknown, InconclusiveReason, string][] = [
      ['preflight', lost, 'unreachable', 'preflight: web1: connection reset'],
      ['snapshot', lost, 'transport_lost', 'snapshot: web1: connection reset'],
      ['revert', lost, 'transport_lost', 'revert: web1: connection reset'],
      ['preflight', new Error('EACCES journal'), 'lab_error', 'preflight: EACCES journal'],
      ['observe', 'a string', 'lab_error', 'observe: a string'],
    ];
    for (const [during, error, reason, detail] of cases) {
      const { machine } = setup();
      machine.failWith(error, during);
      expect(machine.labVerdict).toEqual({ kind: 'inconclusive', reason, detail });
    }
  });

  it('what happened after the deciding failure is added to its detail; with no failure there is nothing to add to', () => {
    const { machine } = setup();
    machine.addDetail('the revert could not run');
    expect(machine.decided).toBe(false);
    expect(machine.labVerdict).toBeUndefined();
    machine.fail('transport_lost', 'revert: gone');
    machine.addDetail('journal entry e1 kept');
    expect(machine.labVerdict).toEqual({ kind: 'inconclusive', reason: 'transport_lost', detail: 'revert: gone; journal entry e1 kept' });
  });

  it('a bundle member ends the way the member that was not ready ended', () => {
    const dirty = setup('b@web1#1').machine;
    dirty.fail('baseline_dirty', 'check exited 1');
    const member = setup().machine;
    member.decideLike(dirty);
    expect(member.labVerdict).toEqual({ kind: 'inconclusive', reason: 'baseline_dirty', detail: 'bundle member b@web1#1 is not ready: check exited 1' });

    const refused = setup('b@web1#1').machine;
    refused.skipNotApplicable('GPO-managed');
    const other = setup().machine;
    other.decideLike(refused);
    expect(other.labVerdict).toEqual({ kind: 'skipped', reason: 'not_applicable', detail: 'bundle member b@web1#1 is not ready: GPO-managed' });

    const ready = setup().machine;
    ready.decideLike(setup('c@web1#1').machine);
    expect(ready.decided).toBe(false);
  });
});

describe('the final verdict', () => {
  const judgement = { verdict: { kind: 'inconclusive', reason: 'observer_unavailable', detail: 'dead-api' }, passed: false } as unknown as Judgement;

  it('is the lab verdict over the judgement, the judgement alone, or a lab error without either', () => {
    const { machine } = setup();
    expect(machine.verdict()).toEqual({ kind: 'inconclusive', reason: 'lab_error', detail: 'the attempt ended without a verdict' });
    machine.judge(judgement);
    expect(machine.judgement).toBe(judgement);
    expect(machine.verdict()).toBe(judgement.verdict);
    machine.fail('transport_lost', 'revert: gone');
    expect(machine.verdict()).toEqual({ kind: 'inconclusive', reason: 'transport_lost', detail: 'revert: gone' });
  });
});

describe('the diagram in docs/architecture.md', () => {
  it('is drawn from the table: one line per transition, planned and ended as [*]', () => {
    const lines = attemptDiagram().split('\n');
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines.slice(1).map((l) => l.split(':')[0]!.trim())).toEqual(EDGES.map(([from, to]) => `${from === 'planned' ? '[*]' : from} --> ${to === 'ended' ? '[*]' : to}`));
    expect(lines[2]).toBe(`  preflight --> snapshot: ${ATTEMPT_TRANSITIONS.preflight[0]!.when}`);
  });

  it('docs/architecture.md shows exactly that diagram (regenerate it from attemptDiagram() when the table changes)', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/architecture.md'), 'utf8');
    const blocks = [...doc.matchAll(/```mermaid\n(stateDiagram-v2\n[\s\S]*?)\n```/g)].map((m) => m[1]);
    expect(blocks).toEqual([attemptDiagram()]);
  });
});

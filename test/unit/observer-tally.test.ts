import { describe, expect, it } from 'vitest';
import { ObserverOutputTally } from '../../harness/engine/observer-tally.js';
import type { ObserverOutput } from '../../harness/observers/observer.js';

const bad = (source: string, detail: string): ObserverOutput => ({ source, malformed: true, detail, raw: null });
const good = (source: string): ObserverOutput => ({ source, kind: 'detected', at: 1, host: 'h', checkType: 'c', raw: null });

/** An observer is misconfigured when it read records in the attempt and could map none of them. */
describe('ObserverOutputTally', () => {
  it.each([
    { rule: 'every record malformed → misconfigured, with the count and the first problem', outputs: [bad('log', 'field host (host) is missing'), bad('log', 'not JSON')], expected: [{ name: 'log', records: 2, firstProblem: 'field host (host) is missing' }] },
    { rule: 'one record mapped among malformed ones → not misconfigured (some lines are just noise)', outputs: [bad('log', 'not JSON'), good('log'), bad('log', 'not JSON')], expected: [] },
    { rule: 'nothing read → not misconfigured (a stack that said nothing)', outputs: [], expected: [] },
    { rule: 'judged per observer', outputs: [bad('log', 'x'), good('api')], expected: [{ name: 'log', records: 1, firstProblem: 'x' }] },
  ])('$rule', ({ outputs, expected }) => {
    const tally = new ObserverOutputTally();
    for (const output of outputs) tally.count(output);
    expect(tally.misconfigured()).toEqual(expected);
  });
});

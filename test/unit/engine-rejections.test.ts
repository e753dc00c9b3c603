import { describe, expect, it } from 'vitest';
import { RejectionLog } from '../../harness/engine/rejections.js';
import { ManualClock } from '../support/manual-clock.js';
import { MemorySink } from '../support/engine-scripted.js';

const rejected = (reason: 'stale' | 'other_check' | 'malformed', n: number) => ({ source: 'healer-log', reason, detail: `#${n}`, raw: { n } });

describe('rejection log', () => {
  it('lists rejections during the attempt, and only the newest history with a count of the rest', () => {
    const sink = new MemorySink(new ManualClock());
    const log = new RejectionLog(sink, 'a@web1#1');
    for (let n = 1; n <= 50; n += 1) log.add(rejected(n % 2 ? 'stale' : 'other_check', n), true);
    log.add(rejected('other_check', 51), false);
    log.flush();
    expect(sink.ofType('signal_rejected').map((r) => r.detail)).toEqual(['#51', '47 older events from before the injection not listed', '#48', '#49', '#50']);
  });

  it('caps malformed records per source', () => {
    const sink = new MemorySink(new ManualClock());
    const log = new RejectionLog(sink, 'a@web1#1');
    for (let n = 1; n <= 25; n += 1) log.add(rejected('malformed', n), false);
    log.flush();
    const details = sink.ofType('signal_rejected').map((r) => r.detail);
    expect(details).toHaveLength(21);
    expect(details.at(-1)).toBe('5 more malformed records not listed');
  });
});

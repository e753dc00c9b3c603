import { describe, expect, it } from 'vitest';
import { ChainHead, sha256Hex } from '../../harness/evidence/chain.js';
import { describeLog } from '../../harness/evidence/manifest.js';
import { verifyChain } from '../../harness/evidence/verify-chain.js';

/** The chain checker on logs built the way the event writer builds them. */
function chainedLog(runId: string, count: number): string[] {
  const head = new ChainHead(runId);
  const lines: string[] = [];
  for (let seq = 1; seq <= count; seq += 1) {
    const line = JSON.stringify({ v: 1, seq, runId, type: 'note', message: `event ${seq}`, prev: head.prev });
    head.link(line);
    lines.push(line);
  }
  return lines;
}

const text = (lines: readonly string[]) => `${lines.join('\n')}\n`;

describe('event log hash chain', () => {
  const lines = chainedLog('run-1', 8);
  const sealed = describeLog(Buffer.from(text(lines)), 'events.jsonl');

  it('describes a log as the manifest records it, and an intact log passes', () => {
    expect(sealed).toEqual({ path: 'events.jsonl', runId: 'run-1', events: 8, lastEventHash: sha256Hex(lines[7]!) });
    expect(verifyChain(text(lines), sealed)).toBeUndefined();
  });

  it('tells a deleted event from two reordered ones', () => {
    expect(verifyChain(text([...lines.slice(0, 2), ...lines.slice(3)]), sealed)).toBe('event seq 3 is missing (line 3 holds seq 4): an event was deleted');
    expect(verifyChain(text([lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)]), sealed)).toBe('events out of order at line 2: seq 3 where seq 2 belongs (events were reordered)');
  });

  it('names the altered event, whether its content or its own prev changed', () => {
    const content = [...lines];
    content[3] = content[3]!.replace('event 4', 'event 9');
    expect(verifyChain(text(content), sealed)).toBe('event seq 4 (line 4) was altered: its hash no longer matches the next event\'s prev');
    const prev = [...lines];
    prev[3] = prev[3]!.replace(/"prev":"[0-9a-f]/, '"prev":"x');
    expect(verifyChain(text(prev), sealed)).toBe('event seq 4 (line 4) was altered: its hash no longer matches the next event\'s prev');
  });

  it('finds a log passed off as another run, a truncated tail and an altered last event', () => {
    expect(verifyChain(text(chainedLog('run-2', 8)), sealed)).toContain('belongs to run run-2, not run-1');
    expect(verifyChain(text(lines.slice(0, 5)), sealed)).toBe('the log ends after event seq 5 (line 5); the manifest lists 8 events: the tail was truncated');
    const last = [...lines.slice(0, 7), lines[7]!.replace('event 8', 'event 0')];
    expect(verifyChain(text(last), sealed)).toBe('event seq 8 (line 8), the last, was altered: its hash differs from the manifest\'s last event hash');
  });
});

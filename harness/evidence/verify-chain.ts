import { headerHash, sha256Hex } from './chain.js';
import type { ManifestLog } from './manifest.js';

/**
 * Walks an event log's hash chain and names the first thing wrong with it: a
 * line that is not an event, an event missing or out of order (by `seq`), an
 * event whose bytes no longer hash to the next one's `prev`, a tail cut off
 * (fewer events than the manifest counted, or a last hash that differs).
 */
interface Line {
  readonly number: number;
  readonly text: string;
  readonly seq?: number;
  readonly prev?: string;
  readonly runId?: string;
}

function parseLines(text: string): { lines: Line[]; problem?: string } {
  const raw = text.split('\n');
  const cutShort = raw.at(-1) !== '';
  const lines: Line[] = [];
  for (const [index, line] of raw.entries()) {
    if (index === raw.length - 1) {
      if (cutShort) return { lines, problem: `line ${index + 1} is cut short (no newline): the log was truncated` };
      break;
    }
    try {
      const event = JSON.parse(line) as { seq?: unknown; prev?: unknown; runId?: unknown };
      lines.push({ number: index + 1, text: line, ...(typeof event.seq === 'number' && { seq: event.seq }), ...(typeof event.prev === 'string' && { prev: event.prev }), ...(typeof event.runId === 'string' && { runId: event.runId }) });
    } catch {
      return { lines, problem: `line ${index + 1} is not a JSON event: the event there was altered` };
    }
  }
  return { lines };
}

const name = (line: Line) => `event seq ${line.seq ?? '?'} (line ${line.number})`;

export function verifyChain(text: string, expected: ManifestLog): string | undefined {
  const { lines, problem } = parseLines(text);
  if (problem) return problem;
  const first = lines[0];
  if (!first) return `the log is empty; the manifest lists ${expected.events} events`;
  const runId = expected.runId || first.runId || '';
  const hashes = lines.map((line) => sha256Hex(line.text));
  const linkOk = (index: number) => lines[index]!.prev === (index === 0 ? headerHash(runId) : hashes[index - 1]);
  const seqs = new Set(lines.map((line) => line.seq));
  for (const [index, line] of lines.entries()) {
    if (line.prev === undefined) return `${name(line)} has no prev hash: the log is not chained (written before chaoslab chained its events?)`;
    if (line.runId !== runId) return `${name(line)} belongs to run ${line.runId ?? '?'}, not ${runId}: it was altered or copied in`;
    const wanted = index + 1;
    if (line.seq !== wanted) {
      if (line.seq !== undefined && line.seq > wanted && !seqs.has(wanted)) return `event seq ${wanted} is missing (line ${line.number} holds seq ${line.seq}): an event was deleted`;
      return `events out of order at line ${line.number}: seq ${line.seq ?? '?'} where seq ${wanted} belongs (events were reordered)`;
    }
    if (linkOk(index)) continue;
    if (index === 0) return `${name(line)} does not start the chain of run ${runId}: the first event was altered or removed`;
    // line i's own prev was edited when the next link breaks too; otherwise the line before changed
    const next = index + 1 < lines.length ? !linkOk(index + 1) : hashes[index] !== expected.lastEventHash;
    return `${name(next ? line : lines[index - 1]!)} was altered: its hash no longer matches the next event's prev`;
  }
  const last = lines.at(-1)!;
  if (lines.length < expected.events) return `the log ends after ${name(last)}; the manifest lists ${expected.events} events: the tail was truncated`;
  if (lines.length > expected.events) return `the log has ${lines.length} events; the manifest lists ${expected.events}: events were appended after it was signed`;
  if (hashes.at(-1) !== expected.lastEventHash) return `${name(last)}, the last, was altered: its hash differs from the manifest's last event hash`;
  return undefined;
}

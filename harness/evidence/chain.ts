import { hash } from 'node:crypto';

/**
 * The hash chain of events.jsonl. Every event carries `prev`: the SHA-256 (hex)
 * of the exact bytes of the line before it (without its newline); the first
 * event's `prev` is the hash of the run header, a line that names the run, so a
 * log cannot be passed off as another run's or lose its first event unnoticed.
 * Lines are hashed as written, after redaction: the chain covers what is on disk.
 */
export const CHAIN_FORMAT = 'chaoslab-events/1';

/** One-shot hashing: a createHash object per event line costs ten times the hashing itself. */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/** The bytes the first event's `prev` hashes. */
export function runHeader(runId: string): string {
  return `${CHAIN_FORMAT} run ${runId}`;
}

export function headerHash(runId: string): string {
  return sha256Hex(runHeader(runId));
}

/** Carries the chain while a log is written: `link(line)` returns the `prev` for the line after it. */
export class ChainHead {
  private last: string;

  constructor(runId: string) {
    this.last = headerHash(runId);
  }

  /** The `prev` of the next event. */
  get prev(): string {
    return this.last;
  }

  /** Records a written line (without its newline). */
  link(line: string): void {
    this.last = sha256Hex(line);
  }
}

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { sha256Hex } from './chain.js';

/**
 * Size and SHA-256 of a run folder's files, read in pieces into one reused
 * buffer. Reading a file whole costs far more than hashing it: a 55 MB
 * report.json read at once lands in fresh memory, and faulting those pages in
 * took about four times the SHA-256 of the same bytes at report scale
 * (bench/evidence-overhead.ts).
 */
const PIECE_BYTES = 1024 * 1024;

export interface FileDigest {
  readonly size: number;
  readonly sha256: string;
}

/** A reader of a file's pieces; a piece is only valid during the call (its buffer is reused). */
export type PieceReader = (piece: Buffer) => void;

export async function digestFile(path: string, onPiece?: PieceReader): Promise<FileDigest> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(PIECE_BYTES);
  let size = 0;
  const file = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, PIECE_BYTES, null);
      if (bytesRead === 0) break;
      const piece = buffer.subarray(0, bytesRead);
      hash.update(piece);
      onPiece?.(piece);
      size += bytesRead;
    }
  } finally {
    await file.close();
  }
  return { size, sha256: hash.digest('hex') };
}

const NEWLINE = 10;

/**
 * What a manifest records of an event log, gathered from its pieces as they
 * are hashed: the number of complete lines, the first line (it names the run)
 * and the last complete line (its hash is the chain's end). A cut-short last
 * line is not an event.
 */
export class LogScan {
  private lines = 0;
  private readonly head: Buffer[] = [];
  private headDone = false;
  /** Bytes after the last newline seen so far. */
  private partial: Buffer[] = [];
  private lastLine = Buffer.alloc(0);

  readonly read: PieceReader = (piece) => {
    const last = piece.lastIndexOf(NEWLINE);
    if (!this.headDone) {
      const end = piece.indexOf(NEWLINE);
      this.head.push(Buffer.from(end < 0 ? piece : piece.subarray(0, end)));
      this.headDone = end >= 0;
    }
    if (last < 0) {
      this.partial.push(Buffer.from(piece));
      return;
    }
    for (let at = piece.indexOf(NEWLINE); at >= 0 && at <= last; at = piece.indexOf(NEWLINE, at + 1)) this.lines += 1;
    // lastIndexOf with a negative offset would count from the end: a newline at 0 has none before it
    const before = last > 0 ? piece.lastIndexOf(NEWLINE, last - 1) : -1;
    this.lastLine = before >= 0 ? Buffer.from(piece.subarray(before + 1, last)) : Buffer.concat([...this.partial, piece.subarray(0, last)]);
    this.partial = last + 1 < piece.length ? [Buffer.from(piece.subarray(last + 1))] : [];
  };

  get events(): number {
    return this.lines;
  }

  get lastEventHash(): string {
    return sha256Hex(this.lastLine);
  }

  /** The first line's runId, or '' for an empty or damaged log (verify names what is wrong with it). */
  get runId(): string {
    if (!this.headDone) return '';
    try {
      return (JSON.parse(Buffer.concat(this.head).toString('utf8')) as { runId?: string }).runId ?? '';
    } catch {
      return '';
    }
  }
}

import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { recordArtifact } from '../core/artifact-file.js';
import type { Clock } from '../core/clock.js';
import { redactDeep } from '../core/redact.js';
import { ChainHead } from '../evidence/chain.js';
import type { RunEvent, RunEventBody } from '../model/events.js';
import type { EventSink } from './sink.js';

/** `20261126T064512Z-k3f9` — sorts by start time, unique enough for parallel shards. */
export function newRunId(wallNow = Date.now(), random = Math.random): string {
  const stamp = new Date(wallNow).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${random().toString(36).slice(2, 6).padEnd(4, '0')}`;
}

export type EventListener = (event: RunEvent) => void;

export interface EventWriterOptions {
  readonly runId: string;
  /** reports/ — the run writes reports/<run-id>/events.jsonl and points reports/latest at it. */
  readonly reportsRoot: string;
  readonly clock: Clock;
  /** Called at every write: secrets resolved later in the run are redacted too. */
  readonly secrets: () => readonly string[];
  /** Default true. false writes events without `prev` and without digesting the file: only for bench/evidence-overhead.ts, to measure what the chain costs this writer. */
  readonly chained?: boolean;
}

/**
 * Appends events as JSON lines. Each line is written with one synchronous
 * write, so a crash leaves at most a truncated last line (fold.ts tolerates
 * it). Secrets are redacted before anything reaches disk or a listener, and
 * each line is then chained to the one before it (evidence/chain.ts): `prev`
 * is added after redaction, so the chain hashes exactly the bytes on disk.
 * The writer also digests the whole file as it goes and records it at close
 * (core/artifact-file.ts), so the seal at the end of the run need not read the
 * log back while it is unchanged.
 */
export class EventWriter implements EventSink {
  readonly runId: string;
  readonly runDir: string;
  readonly path: string;
  private readonly fd: number;
  private readonly startMono: number;
  private readonly listeners: EventListener[] = [];
  private seq = 0;
  private closed = false;
  private readonly chain: ChainHead | undefined;
  /** The whole file's SHA-256, fed in pieces of about 64 KB: one update per line cost more than the seal reading the log back. */
  private readonly digest: Hash | undefined;
  private pending = '';
  /** Bytes written, and bytes digested: they differ only if a write fell short, and then nothing is recorded. */
  private bytes = 0;
  private digested = 0;
  private lines = 0;
  private firstRunId: string | undefined;

  constructor(private readonly options: EventWriterOptions) {
    this.runId = options.runId;
    this.runDir = join(options.reportsRoot, options.runId);
    this.path = join(this.runDir, 'events.jsonl');
    mkdirSync(this.runDir, { recursive: true });
    this.fd = openSync(this.path, 'a');
    this.startMono = options.clock.now();
    this.chain = options.chained === false ? undefined : new ChainHead(options.runId);
    this.digest = this.chain && createHash('sha256');
    pointLatestAt(options.reportsRoot, options.runId);
  }

  /** ms since the run started, on the monotonic clock (the `mono` of every event). */
  elapsed(): number {
    return Math.round(this.options.clock.now() - this.startMono);
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  emit(body: RunEventBody): RunEvent {
    // a fresh object, this call's own (redactDeep copies only when it redacts)
    const redacted = redactDeep(
      { v: 1, seq: ++this.seq, ts: this.options.clock.wallNow(), mono: this.elapsed(), runId: this.runId, ...body } as RunEvent,
      this.options.secrets(),
    );
    const event: RunEvent = redacted;
    if (this.chain) {
      const prev = this.chain.prev;
      // the text JSON.stringify({ ...event, prev }) gives, without copying the event: the copy cost as much as the chain's hashing
      const line = `${JSON.stringify(event).slice(0, -1)},"prev":"${prev}"}`;
      Object.assign(event, { prev });
      if (!this.closed) {
        this.append(line);
        this.chain.link(line);
        this.firstRunId ??= event.runId;
      }
    } else if (!this.closed) {
      this.append(JSON.stringify(event));
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener (live progress) must never break the log.
      }
    }
    return event;
  }

  private append(line: string): void {
    const text = `${line}\n`;
    this.bytes += writeSync(this.fd, text);
    this.lines += 1;
    if (!this.digest) return;
    this.pending += text;
    if (this.pending.length >= DIGEST_PIECE) this.flushDigest();
  }

  private flushDigest(): void {
    this.digest?.update(this.pending);
    this.digested += Buffer.byteLength(this.pending);
    this.pending = '';
  }

  /** Flushes to disk and closes; idempotent. A chained log's digest, line count, run and last line hash are recorded for the seal. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fsyncSync(this.fd);
    this.flushDigest();
    if (this.digest && this.chain && this.lines > 0 && this.digested === this.bytes) {
      const log = { lines: this.lines, runId: this.firstRunId ?? '', lastLineSha256: this.chain.prev };
      recordArtifact(this.path, { size: this.bytes, sha256: this.digest.digest('hex'), log }, fstatSync(this.fd, { bigint: true }));
    }
    closeSync(this.fd);
  }
}

const DIGEST_PIECE = 64 * 1024;

/** reports/latest → <run-id>, replaced atomically (a relative link, so the folder can move). */
export function pointLatestAt(reportsRoot: string, runId: string): void {
  const link = join(reportsRoot, 'latest');
  const temp = join(reportsRoot, `.latest-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    symlinkSync(runId, temp, 'dir');
    renameSync(temp, link);
  } catch {
    rmSync(temp, { force: true });
  }
}

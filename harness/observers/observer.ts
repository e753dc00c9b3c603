import type { HostConfig } from '../config/lab-schema.js';
import type { Clock } from '../core/clock.js';
import type { SignalKind } from '../model/run-model.js';
import type { Transport } from '../transport/transport.js';
import type { Logger } from '../core/logger.js';

/**
 * The Observer contract: reads what the healing stack says about an incident.
 * An observer yields every event it sees for the request as the stack reported
 * it; the shared correlator (correlate.ts) decides which events belong to the
 * attempt and records why the others were rejected.
 */
export interface ObservedEvent {
  readonly source: string;
  readonly kind: SignalKind;
  /** The stack's own timestamp, epoch ms on the stack's clock. */
  readonly at: number;
  /** Host as the stack names it (matched against the host's name, address and aliases). */
  readonly host: string;
  /** Check type as the stack names it. */
  readonly checkType: string;
  readonly runbook?: string;
  readonly tier?: string;
  readonly runId?: string;
  /** The stack's id for this record, when it has one (for de-duplication). */
  readonly id?: string;
  /** The healer's own words about this event (its message or detail), shown beside the verdict's cause. */
  readonly message?: string;
  readonly raw: unknown;
}

/** A record the observer could not turn into an event (bad JSON, missing fields…). */
export interface MalformedRecord {
  readonly source: string;
  readonly malformed: true;
  readonly detail: string;
  readonly raw: unknown;
}

export type ObserverOutput = ObservedEvent | MalformedRecord;

export interface WatchRequest<Start = unknown> {
  readonly host: HostConfig;
  readonly checkType: string;
  /** Harness wall-clock epoch ms of the start of injection; earlier events are stale. */
  readonly since: number;
  /** hostClock − harnessClock, measured in preflight. */
  readonly skewMs: number;
  readonly runId: string;
  readonly attemptId: string;
  readonly signal: AbortSignal;
  /** What this observer's `prepare` returned for this watch; absent without a prepare, or when it failed or missed its deadline. */
  readonly start?: Start;
  /**
   * Tells the run something its reports must show about this watch, e.g. that
   * some of the stack's records may have been missed (a log rotated while the
   * transport was down). The engine records it as a warning note naming the
   * attempt and the observer.
   */
  readonly note?: (message: string) => void;
}

/** A watch about to start: `since` is not known yet, and `signal` aborts when the engine stops waiting. */
export type PrepareRequest = Omit<WatchRequest, 'since' | 'start' | 'note'>;

export interface ObserverContext {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The pooled transport of an inventory host (log observers tail files over it). */
  readonly transportFor: (hostName: string) => Transport;
  readonly resolveSecret: (ref: string) => Promise<string>;
  /** Directory for evidence files (screenshots, traces) of this run. */
  readonly evidenceDir: string;
}

export interface Observer<Start = unknown> extends AsyncDisposable {
  readonly name: string;
  readonly kind: string;
  /**
   * Optional. Takes the watch's starting point before anything of the attempt
   * happens (the log observer: where the file ends), for observers whose
   * cursor is not a time. The engine calls it once per watch just before the
   * injection's first command and waits a few seconds at most; what it returns
   * comes back as `request.start`. When it throws or is late the injection
   * goes ahead and the watch gets no `start`, so it must then read from the
   * beginning of what it can see (old events are rejected as stale).
   */
  prepare?(request: PrepareRequest): Promise<Start>;
  /**
   * Streams the stack's events for one attempt until `request.signal` aborts.
   * Throws ObserverUnavailableError when the stack cannot be read at all.
   */
  watch(request: WatchRequest<Start>): AsyncIterable<ObserverOutput>;
  /** Checks the stack can be read (doctor, preflight). Throws ObserverUnavailableError. */
  probe(): Promise<void>;
  /**
   * For `doctor`: what the observer can see of the lab's hosts, when it can tell,
   * e.g. a query that matches rows for none of them (a host filter that never
   * matches looks like a stack that never heals). Undefined when all is well.
   */
  coverage?(hosts: readonly HostConfig[]): Promise<string | undefined>;
  close(): Promise<void>;
}

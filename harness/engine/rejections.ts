import type { EventSink } from '../events/sink.js';
import type { RejectedSignalRecord } from '../model/run-model.js';

/** Newest history rejections kept per source; the rest are counted. */
const KEEP_HISTORY = 3;
/** Malformed records listed per source before they are only counted. */
const KEEP_MALFORMED = 20;

/**
 * Records rejected stack events as evidence without flooding the log. An
 * observer that could not take its starting point reads everything it can
 * see (a log from its first line), so events from before the injection (any
 * reason) are history: only the newest few per source are
 * listed, with a count of the rest. Rejections of events during the attempt
 * (another host, another check, a duplicate) are always listed.
 */
export class RejectionLog {
  private readonly history = new Map<string, { kept: RejectedSignalRecord[]; dropped: number }>();
  private readonly malformed = new Map<string, number>();

  constructor(private readonly sink: EventSink, private readonly attemptId: string) {}

  add(rejected: RejectedSignalRecord, fromBeforeInjection: boolean): void {
    if (fromBeforeInjection) {
      const entry = this.history.get(rejected.source) ?? { kept: [], dropped: 0 };
      entry.kept.push(rejected);
      if (entry.kept.length > KEEP_HISTORY) {
        entry.kept.shift();
        entry.dropped += 1;
      }
      this.history.set(rejected.source, entry);
      return;
    }
    if (rejected.reason === 'malformed') {
      const seen = (this.malformed.get(rejected.source) ?? 0) + 1;
      this.malformed.set(rejected.source, seen);
      if (seen > KEEP_MALFORMED) return;
    }
    this.emit(rejected);
  }

  /** Writes the kept history and the counts of what was not listed. */
  flush(): void {
    for (const [source, { kept, dropped }] of this.history) {
      if (dropped) this.emit({ source, reason: 'stale', detail: `${dropped} older events from before the injection not listed`, raw: null });
      for (const rejected of kept) this.emit(rejected);
    }
    for (const [source, seen] of this.malformed) {
      if (seen > KEEP_MALFORMED) this.emit({ source, reason: 'malformed', detail: `${seen - KEEP_MALFORMED} more malformed records not listed`, raw: null });
    }
    this.history.clear();
    this.malformed.clear();
  }

  private emit(rejected: RejectedSignalRecord): void {
    this.sink.emit({ type: 'signal_rejected', attemptId: this.attemptId, ...rejected });
  }
}

import type { RunEvent, RunEventBody } from '../model/events.js';

/**
 * Where the engine records what happens. The file writer (writer.ts) appends
 * to events.jsonl, redacting secrets; listeners (live console progress) see the
 * same redacted events.
 */
export interface EventSink {
  emit(body: RunEventBody): RunEvent;
}

import type { z } from 'zod';
import type { fieldMap } from '../config/observer-schema.js';
import type { SignalKind } from '../model/run-model.js';
import type { MalformedRecord, ObservedEvent, ObserverOutput } from './observer.js';

/**
 * Field mapping shared by every observer: a stack's record (a JSON object, a
 * table row, the named groups of a regex, what a dashboard shows) becomes an
 * ObservedEvent, or a MalformedRecord that says which field was missing or bad.
 */
export type FieldMap = z.infer<typeof fieldMap>;

const SIGNAL_KINDS: readonly SignalKind[] = ['detected', 'claimed_healed', 'heal_failed', 'escalated', 'suppressed'];

/** The words most stacks use; an observer's `kinds` map is consulted first. */
const DEFAULT_KINDS: Readonly<Record<string, SignalKind>> = {
  healed: 'claimed_healed',
  heal_success: 'claimed_healed',
  heal_succeeded: 'claimed_healed',
  resolved: 'claimed_healed',
  open: 'detected',
  detected: 'detected',
  drift: 'detected',
  drift_detected: 'detected',
  heal_failed: 'heal_failed',
  failed: 'heal_failed',
  escalated: 'escalated',
  escalation: 'escalated',
  suppressed: 'suppressed',
  cooldown: 'suppressed',
};

/**
 * Reads `details.hostname`, `items[0].at` or `a.b[2]` from a value. A path of
 * '' is the value itself. Missing steps give undefined, never an exception.
 */
export function getPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  let current: unknown = value;
  for (const step of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (step === '') continue;
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/** Normalises a stack's kind word: case, spaces and dashes do not matter. */
function kindKey(value: string): string {
  return value.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Maps a stack's kind value to a signal kind: the config's map, then the defaults, then the kind names themselves. */
export function mapKind(value: unknown, kinds: Readonly<Record<string, SignalKind>>): SignalKind | undefined {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  const text = String(value);
  const key = kindKey(text);
  for (const [stackValue, kind] of Object.entries(kinds)) {
    if (stackValue === text || kindKey(stackValue) === key) return kind;
  }
  if (DEFAULT_KINDS[key]) return DEFAULT_KINDS[key];
  return SIGNAL_KINDS.find((kind) => kind === key);
}

/**
 * Timestamps as ISO-8601 strings, Date objects (pg), or epoch numbers: values
 * below 1e11 are seconds (1e11 s is the year 5138), larger ones milliseconds.
 */
export function parseTimestamp(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : undefined;
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? (value < 1e11 ? value * 1000 : value) : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return parseTimestamp(Number(text));
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

function optionalText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Fields where stacks put their own words, tried in order when the observer names none. */
const MESSAGE_FIELDS = ['message', 'detail', 'error_message', 'error', 'reason', 'msg'] as const;
/** A healer's message is evidence, not a log: enough to read why, bounded so one record cannot bloat every report. */
export const MESSAGE_LIMIT = 500;

/** The healer's own words in a record: the configured field, else the first text one of MESSAGE_FIELDS. */
export function messageOf(record: unknown, path: string | undefined): string | undefined {
  const paths = path === undefined ? MESSAGE_FIELDS : [path];
  for (const candidate of paths) {
    const value = getPath(record, candidate);
    const text = typeof value === 'string' ? value.trim() : path !== undefined ? optionalText(value) : undefined;
    if (text) return text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT)}…` : text;
  }
  return undefined;
}

export interface RecordContext {
  readonly source: string;
  readonly fields: FieldMap;
  readonly kinds: Readonly<Record<string, SignalKind>>;
  /** Values the observer already knows (e.g. a dashboard page opened for one host). */
  readonly defaults?: Partial<Pick<ObservedEvent, 'host' | 'checkType' | 'at' | 'kind'>>;
  /** A kind decided by the observer's own rules (postgres `rules`), overriding the kind field. */
  readonly kind?: SignalKind;
}

export function malformed(source: string, detail: string, raw: unknown): MalformedRecord {
  return { source, malformed: true, detail, raw };
}

/** One record → one event, or a MalformedRecord naming the field that was missing or unusable. */
export function mapRecord(record: unknown, context: RecordContext): ObserverOutput {
  const { source, fields, defaults = {} } = context;
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return malformed(source, `expected a JSON object, got ${Array.isArray(record) ? 'an array' : typeof record}`, record);
  }
  const kindValue = getPath(record, fields.kind);
  const kind = context.kind ?? mapKind(kindValue, context.kinds) ?? (kindValue === undefined ? defaults.kind : undefined);
  if (!kind) {
    return malformed(source, kindValue === undefined
      ? `field ${fields.kind} (kind) is missing`
      : `field ${fields.kind} has kind ${JSON.stringify(kindValue)}, which maps to no signal kind (add it under kinds:)`, record);
  }
  const atValue = getPath(record, fields.at);
  const at = atValue === undefined ? defaults.at : parseTimestamp(atValue);
  if (at === undefined) {
    return malformed(source, atValue === undefined
      ? `field ${fields.at} (time) is missing`
      : `field ${fields.at} is ${JSON.stringify(atValue)}, not an ISO time or epoch seconds/milliseconds`, record);
  }
  const host = optionalText(getPath(record, fields.host)) ?? defaults.host;
  if (host === undefined) return malformed(source, `field ${fields.host} (host) is missing`, record);
  const checkType = optionalText(getPath(record, fields.check_type)) ?? defaults.checkType ?? fields.check_type_default;
  if (checkType === undefined) return malformed(source, `field ${fields.check_type} (check type) is missing`, record);
  // optional fields default to the field of the same name, as kind/at/host/check_type do in the schema
  const optional = (path: string) => optionalText(getPath(record, path));
  const runbook = optional(fields.runbook ?? 'runbook');
  const tier = optional(fields.tier ?? 'tier');
  const runId = optional(fields.run_id ?? 'run_id');
  const id = optional(fields.id ?? 'id');
  const message = messageOf(record, fields.message);
  return {
    source,
    kind,
    at,
    host,
    checkType,
    ...(runbook !== undefined && { runbook }),
    ...(tier !== undefined && { tier }),
    ...(runId !== undefined && { runId }),
    ...(id !== undefined && { id }),
    ...(message !== undefined && { message }),
    raw: record,
  };
}

/** A JSON text that may hold one event object or an array of them. */
export function mapJson(text: string, context: RecordContext): ObserverOutput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return [malformed(context.source, `not JSON: ${(error as Error).message}`, text)];
  }
  return (Array.isArray(parsed) ? parsed : [parsed]).map((record) => mapRecord(record, context));
}

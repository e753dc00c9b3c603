import { parse as parseYaml } from 'yaml';
import type { ObserverConfigOf } from '../config/observer-schema.js';
import { errorMessage } from '../core/errors.js';
import { getPath, malformed, mapRecord } from './fields.js';
import type { ObserverOutput } from './observer.js';
import { sameValue } from './postgres-query.js';

type ReportFileConfig = ObserverConfigOf<'report-file'>;

/** One record found at the `events` path, with what field paths may refer to besides its own fields. */
export interface FoundRecord {
  readonly record: unknown;
  /** The nearest object above the list or mapping the record was taken from. */
  readonly parent: unknown;
  /** The record's key when it was taken from a mapping. */
  readonly key?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `resource_statuses.*.events[*]` → ['resource_statuses', '*', 'events', '*'] */
function steps(path: string): string[] {
  return path.replace(/\[(\*|\d+)\]/g, '.$1').split('.').filter((step) => step !== '');
}

/**
 * Every record at `path` in a document. A `*` step takes every value of a
 * mapping (in key order) or list; other steps are keys or list indexes. Each
 * record keeps the nearest object above its container as its parent, so a
 * Puppet event can name its resource (`$parent.resource`).
 */
export function selectRecords(document: unknown, path: string): FoundRecord[] {
  const out: FoundRecord[] = [];
  // owner: the nearest object that holds, under a key, the container being walked
  const walk = (value: unknown, rest: readonly string[], owner: unknown, key: string | undefined): void => {
    if (rest.length === 0) {
      out.push({ record: value, parent: owner, ...(key !== undefined && { key }) });
      return;
    }
    const [step, ...tail] = rest as [string, ...string[]];
    if (step === '*') {
      if (Array.isArray(value)) value.forEach((item) => walk(item, tail, owner, undefined));
      else if (isObject(value)) for (const [name, item] of Object.entries(value)) walk(item, tail, owner, name);
      return;
    }
    if (Array.isArray(value) && /^\d+$/.test(step)) walk(value[Number(step)], tail, owner, undefined);
    else if (isObject(value) && step in value) walk(value[step], tail, value, undefined);
  };
  walk(document, steps(path), document, undefined);
  return out;
}

/** Parses one version of the report. YAML tags of the writer's language (`!ruby/object:…`) are read as plain mappings. */
export function parseReport(text: string, format: ReportFileConfig['format']): { document?: unknown; error?: string } {
  try {
    return { document: format === 'json' ? JSON.parse(text) : parseYaml(text, { logLevel: 'error', maxAliasCount: 1000 }) };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/** The record as field paths see it: its own fields plus `$parent`, `$root` and `$key`. */
function recordView(found: FoundRecord, root: unknown): Record<string, unknown> {
  const own = isObject(found.record) ? found.record : { $value: found.record };
  return { ...own, $parent: found.parent, $root: root, ...(found.key !== undefined && { $key: found.key }) };
}

/** One version of the report → the stack's events (rules first, then `kinds`), or one malformed record when it cannot be read. */
export function reportEvents(config: ReportFileConfig, text: string): ObserverOutput[] {
  const parsed = parseReport(text, config.format);
  if (parsed.error !== undefined) return [malformed(config.name, `${config.path} is not ${config.format.toUpperCase()}: ${parsed.error}`, text.slice(0, 2000))];
  const outputs: ObserverOutput[] = [];
  for (const found of selectRecords(parsed.document, config.events)) {
    const view = recordView(found, parsed.document);
    const rule = config.rules.find((candidate) => Object.entries(candidate.when).every(([path, expected]) => sameValue(getPath(view, path), expected)));
    if (rule?.kind === 'ignore') continue;
    // the raw record is the record itself: $root would copy the whole report into every event
    const output = mapRecord(view, { source: config.name, fields: config.fields, kinds: config.kinds, ...(rule && { kind: rule.kind }) });
    outputs.push({ ...output, raw: found.record });
  }
  return outputs;
}

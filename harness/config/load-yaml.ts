import { isAlias, isMap, isScalar, isSeq, LineCounter, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { errorMessage, type ConfigIssue } from '../core/errors.js';
import type { SourceDocument } from './catalogue.js';
import { MAX_NESTING, MAX_TOKENS, parseBounded, type Exceeded } from './load-yaml-bounds.js';

/** A parsed YAML file: plain data plus a way back from any field path to its line and column. */
export interface ParsedYaml {
  readonly data: Record<string, unknown>;
  readonly source: SourceDocument;
}

export type ParseResult = { readonly ok: true; readonly parsed: ParsedYaml } | { readonly ok: false; readonly issues: ConfigIssue[] };

interface Position {
  line: number;
  column: number;
}

function positionOf(lineCounter: LineCounter, offset: number | undefined): Position {
  if (offset === undefined) return { line: 1, column: 1 };
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * Each mapping's pairs by key, built once per mapping when a path is first looked up
 * in it: one search per issue made 100 000 unknown keys cost 10^10 comparisons.
 * The first pair wins, as a search from the start would find it.
 */
const pairIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();
function pairFor(map: YAMLMap, segment: PropertyKey): Pair | undefined {
  let index = pairIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const item of map.items) {
      const name = isScalar(item.key) ? String(item.key.value) : undefined;
      if (name !== undefined && !index.has(name)) index.set(name, item as Pair);
    }
    pairIndexes.set(map, index);
  }
  return index.get(String(segment));
}

/**
 * Finds the node at `path`. With `key: true` the last segment's key node is the
 * answer (where an unknown key is written). When part of the path does not exist,
 * the answer is the key of the deepest parent that does — where the user would add it.
 */
export function locateIn(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[], key: boolean): Position {
  let node: unknown = doc.contents;
  let anchor: Node | undefined = (doc.contents as Node | null) ?? undefined;
  for (let i = 0; i < path.length; i += 1) {
    const segment = path[i]!;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = pairFor(node, segment);
      if (!pair) break;
      const value = pair.value as Node | null;
      // A scalar value is the offending node; a nested mapping or list is best shown by its key.
      const pointAtValue = i === path.length - 1 && !key && value !== null && !isMap(value) && !isSeq(value);
      anchor = pointAtValue ? value : (pair.key as Node);
      node = value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      anchor = node as Node;
    } else break;
  }
  return positionOf(lineCounter, anchor?.range?.[0]);
}

/**
 * The largest YAML file chaoslab reads: 1 MiB. Scenarios, suites and inventories
 * are a few kilobytes (a 100-host fleet is 20 KB). The YAML library parses about
 * 1 MB a second on a small machine (bench/validate-size.ts), so the cap keeps the
 * worst file a validation can meet to about a second and well under 512 MB, and
 * refuses a mistaken or hostile file (a log, a dump) before reading it.
 */
export const MAX_YAML_BYTES = 1024 * 1024;

/** Expansions of `*alias` allowed while building the data: enough for any real file, far too few for an alias bomb. */
const MAX_ALIAS_COUNT = 100;

export function oversizeIssue(file: string, bytes: number): ConfigIssue | undefined {
  if (bytes <= MAX_YAML_BYTES) return undefined;
  return { file, line: 1, column: 1, message: `the file is ${bytes} bytes; chaoslab reads YAML files of at most ${MAX_YAML_BYTES} bytes (1 MiB): is this the right file?` };
}

/**
 * Duplicate keys, found with one set per mapping. The YAML library's own check
 * (`uniqueKeys`) compares every key with every earlier one: 12 s for a 2.7 MB file.
 * Keys are equal as the library defines it: the same node, or scalars of equal value.
 */
function duplicateKeys(doc: Document, lineCounter: LineCounter, file: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        const identity = isScalar(key) ? key.value : key;
        if (!seen.has(identity)) {
          seen.add(identity);
          continue;
        }
        const node = key as Node | null;
        issues.push({ file, ...positionOf(lineCounter, node?.range?.[0]), message: `duplicate key "${String(identity)}" (each key may appear once in a mapping)` });
      }
    },
  });
  return issues;
}

/** Where to point at when building the data failed: the first alias, the usual culprit. */
function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, alias) {
      offset = alias.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

/** Whether a value contains itself (an alias inside the node it names: `a: &b { k: *b }`). */
function containsItself(value: unknown, ancestors = new Set<object>()): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const children = value instanceof Map ? value.values() : Object.values(value);
  for (const child of children) if (containsItself(child, ancestors)) return true;
  ancestors.delete(value);
  return false;
}

/** The alias that names one of its own ancestors; only looked for once the data is known to contain itself. */
function recursiveAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, alias, path) {
      const target = alias.resolve(doc);
      if (target === undefined || !path.includes(target)) return undefined;
      offset = alias.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function describeLibraryError(error: unknown): string {
  const message = errorMessage(error);
  if (/alias count/i.test(message)) return `invalid YAML: aliases (*name) expand to too much data (more than ${MAX_ALIAS_COUNT} expansions); write the values out instead`;
  return `invalid YAML: ${message.split('\n')[0]}`;
}

function exceededMessage({ limit }: Exceeded): string {
  if (limit === 'nesting') return `lists and mappings nest more than ${MAX_NESTING} levels deep here; chaoslab files nest a few levels: is this the right file?`;
  return `the file has more than ${MAX_TOKENS} YAML tokens (keys, values, indicators) by here; a scenario has about 150 and a lab about 150 a host: is this the right file?`;
}

/**
 * Parses one YAML file strictly: syntax errors and duplicate keys are issues with
 * line and column; the root must be a mapping.
 */
export function parseYamlFile(file: string, text: string, catalogueKey: string): ParseResult {
  const tooBig = oversizeIssue(file, Buffer.byteLength(text));
  if (tooBig) return { ok: false, issues: [tooBig] };
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    const parsed = parseBounded(text, lineCounter);
    if ('exceeded' in parsed) return { ok: false, issues: [{ file, ...positionOf(lineCounter, parsed.exceeded.offset), message: exceededMessage(parsed.exceeded) }] };
    doc = parsed.doc;
  } catch (error) {
    return { ok: false, issues: [{ file, line: 1, column: 1, message: describeLibraryError(error) }] };
  }
  const syntax = doc.errors.map((error) => ({ file, ...positionOf(lineCounter, error.pos[0]), message: `invalid YAML: ${error.message.replace(/\s+at line \d+, column \d+.*$/s, '')}` }));
  const issues = [...syntax, ...duplicateKeys(doc, lineCounter, file)];
  if (issues.length > 0) return { ok: false, issues };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // Any failure of the YAML library is a problem of the file, reported like one: never a stack trace.
    return { ok: false, issues: [{ file, ...positionOf(lineCounter, firstAliasOffset(doc)), message: describeLibraryError(error) }] };
  }
  if (containsItself(data)) {
    const offset = recursiveAliasOffset(doc) ?? firstAliasOffset(doc);
    return { ok: false, issues: [{ file, ...positionOf(lineCounter, offset), message: 'invalid YAML: an alias (*name) is used inside the node it names, so the value would contain itself; write the value out instead' }] };
  }
  if (data === null || data === undefined) return { ok: false, issues: [{ file, line: 1, column: 1, message: 'the file is empty: expected a mapping with `id`, `title`, …' }] };
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, issues: [{ file, ...positionOf(lineCounter, (doc.contents as Node | null)?.range?.[0]), message: `expected a mapping at the top level, found ${Array.isArray(data) ? 'a list' : typeof data}` }] };
  }
  const source: SourceDocument = {
    file,
    catalogueKey,
    locate: (path) => locateIn(doc, lineCounter, path, false),
    locateKey: (path) => locateIn(doc, lineCounter, path, true),
  };
  return { ok: true, parsed: { data: data as Record<string, unknown>, source } };
}

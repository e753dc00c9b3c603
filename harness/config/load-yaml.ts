import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigIssue } from '../core/errors.js';
import type { SourceDocument } from './catalogue.js';

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
 * Finds the node at `path`. With `key: true` the last segment's key node is the
 * answer (where an unknown key is written). When part of the path does not exist,
 * the answer is the key of the deepest parent that does — where the user would add it.
 */
function locateIn(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[], key: boolean): Position {
  let node: unknown = doc.contents;
  let anchor: Node | undefined = (doc.contents as Node | null) ?? undefined;
  for (let i = 0; i < path.length; i += 1) {
    const segment = path[i]!;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
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

function describeYamlError(code: string, message: string, text: string, range: readonly [number, number]): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^\s*("[^"\n]*"|'[^'\n]*'|[^:\n]+?)\s*:/.exec(text.slice(range[0]))?.[1] ?? text.slice(range[0], range[1]);
    return `duplicate key "${key.replace(/^["']|["']$/g, '')}" (each key may appear once in a mapping)`;
  }
  return `invalid YAML: ${message.replace(/\s+at line \d+, column \d+.*$/s, '')}`;
}

/**
 * Parses one YAML file strictly: syntax errors and duplicate keys are issues with
 * line and column; the root must be a mapping.
 */
export function parseYamlFile(file: string, text: string, catalogueKey: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: true, uniqueKeys: true, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => ({
        file,
        ...positionOf(lineCounter, error.pos[0]),
        message: describeYamlError(error.code, error.message, text, error.pos),
      })),
    };
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
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

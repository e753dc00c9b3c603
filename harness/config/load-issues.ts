import type { z } from 'zod';
import type { ConfigIssue } from '../core/errors.js';
import type { SourceDocument } from './catalogue.js';
import { allowedValuesAt, closestMatch, knownKeysAt } from './load-schema-walk.js';

type ZodIssue = z.core.$ZodIssue & { input?: unknown; note?: string; discriminator?: string };

/** `hosts[2].transport.port` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

/** An issue at a field path of a loaded document, positioned at that field. */
export function issueAt(source: SourceDocument, path: readonly PropertyKey[], message: string): ConfigIssue {
  const formatted = formatPath(path);
  return { file: source.file, ...source.locate(path), ...(formatted ? { path: formatted } : {}), message };
}

const TYPE_WORDS: Record<string, string> = { record: 'mapping', object: 'mapping', array: 'list' };
function withArticle(type: string): string {
  const word = TYPE_WORDS[type] ?? type;
  return `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** zod's own default messages start like this; messages written in our schemas do not. */
function isDefaultMessage(message: string): boolean {
  return /^(Invalid|Too small|Too big|Unrecognized)/.test(message);
}

function sizeMessage(issue: ZodIssue & { code: 'too_small' | 'too_big' }): string {
  const small = issue.code === 'too_small';
  const bound = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
  switch (issue.origin) {
    case 'string':
      return small && bound === 1 ? 'must not be empty' : `must be ${small ? 'at least' : 'at most'} ${bound} characters long`;
    case 'array':
      return `must have ${small ? 'at least' : 'at most'} ${bound} item${bound === 1 ? '' : 's'}`;
    default:
      return `must be ${small ? '≥' : '≤'} ${bound}${issue.input !== undefined ? ` (got ${String(issue.input)})` : ''}`;
  }
}

function unionMessage(issue: ZodIssue & { code: 'invalid_union' }, schema: z.ZodType): string {
  if (issue.note === 'No matching discriminator' && issue.discriminator) {
    const allowed = allowedValuesAt(schema, issue.path).join(', ');
    const given = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
    return given === undefined ? `is required: one of ${allowed}` : `must be one of ${allowed} (got ${JSON.stringify(given)})`;
  }
  const expected = [...new Set(issue.errors.flatMap((branch) => branch.filter((inner) => inner.code === 'invalid_type').map((inner) => (inner as { expected: string }).expected)))];
  if (expected.length > 0 && issue.errors.every((branch) => branch.some((inner) => inner.code === 'invalid_type'))) {
    return `must be ${expected.map(withArticle).join(' or ')} (got ${typeName(issue.input)})`;
  }
  return issue.message;
}

function messageFor(issue: ZodIssue, schema: z.ZodType): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `is required (${withArticle(issue.expected)})`;
      return `must be ${withArticle(issue.expected)} (got ${typeName(issue.input)})`;
    case 'invalid_value':
      if (issue.input === undefined) return `is required: one of ${issue.values.map(String).join(', ')}`;
      return `must be ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map(String).join(', ')}`}${issue.input !== undefined ? ` (got ${JSON.stringify(issue.input)})` : ''}`;
    case 'invalid_union':
      return unionMessage(issue, schema);
    case 'too_small':
    case 'too_big':
      return isDefaultMessage(issue.message) ? sizeMessage(issue) : issue.message;
    case 'invalid_format':
      if (!isDefaultMessage(issue.message)) return issue.message;
      if (issue.format === 'regex') return `must match ${(issue as { pattern?: string }).pattern ?? 'the expected pattern'}`;
      return issue.format === 'url' ? `must be a URL like http://127.0.0.1:8080/path (got ${JSON.stringify(issue.input)})` : `must be a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

/** An issue whose place is known and whose message is written only if it is shown. */
interface Pending {
  readonly where: ConfigIssue;
  readonly message: () => string;
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = closestMatch(key, known);
  const hint = suggestion ? ` (did you mean "${suggestion}"?)` : known.length > 0 ? ` (expected one of: ${known.join(', ')})` : '';
  return `unknown key "${key}"${hint}`;
}

/**
 * Turns zod's issues into positioned ConfigIssues, in file order. `prefix` places a
 * nested schema's issues in the document (a fault's params live under `fault.with`).
 * Finding a place is cheap; writing a message (a "did you mean" is an edit distance
 * to every known key) is not, so messages are written for the shown issues only
 * (see capIssues): 60 000 unknown keys cost seconds otherwise.
 */
export function zodIssuesToConfig(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, source: SourceDocument, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const pending: Pending[] = [];
  for (const raw of issues as readonly ZodIssue[]) {
    const path = [...prefix, ...raw.path];
    const formatted = formatPath(path);
    const at = formatted ? { path: formatted } : {};
    if (raw.code === 'unrecognized_keys') {
      let known: string[] | undefined;
      for (const key of raw.keys) {
        pending.push({ where: { file: source.file, ...source.locateKey([...path, key]), ...at, message: '' }, message: () => unknownKeyMessage(key, (known ??= knownKeysAt(schema, raw.path))) });
      }
      continue;
    }
    pending.push({ where: { file: source.file, ...source.locate(path), ...at, message: '' }, message: () => messageFor(raw, schema) });
  }
  pending.sort((a, b) => byPlace(a.where, b.where));
  const shown = pending.slice(0, MAX_ISSUES_PER_FILE).map(({ where, message }) => ({ ...where, message: message() }));
  return pending.length > MAX_ISSUES_PER_FILE ? [...shown, omittedIssue(pending[MAX_ISSUES_PER_FILE]!.where, pending.length - MAX_ISSUES_PER_FILE)] : shown;
}

function byPlace(a: ConfigIssue, b: ConfigIssue): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/** Issues in file order, so the user can fix them top to bottom. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.file.localeCompare(b.file) || byPlace(a, b));
}

/**
 * Appends one list of issues to another. `issues.push(...many)` passes every item
 * as an argument, and past about 100 000 items that is a RangeError, not a report.
 */
export function appendIssues(target: ConfigIssue[], more: readonly ConfigIssue[]): void {
  for (const issue of more) target.push(issue);
}

/** A file rarely has more real problems than this; the rest of a flood says nothing new. */
export const MAX_ISSUES_PER_FILE = 100;

/** The issues that stand for others left out, and how many each stands for. */
const leftOut = new WeakMap<ConfigIssue, number>();

/**
 * The first MAX_ISSUES_PER_FILE issues of one file in file order, and one more that
 * counts the rest: a generated file with 100 000 bad items is reported in a screen,
 * not a gigabyte. Issues capped before (zodIssuesToConfig) are counted, not lost.
 */
export function capIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const real: ConfigIssue[] = [];
  const summaries: ConfigIssue[] = [];
  let omitted = 0;
  for (const issue of issues) {
    const stands = leftOut.get(issue);
    if (stands === undefined) real.push(issue);
    else {
      summaries.push(issue);
      omitted += stands;
    }
  }
  const sorted = sortIssues(real);
  omitted += Math.max(0, sorted.length - MAX_ISSUES_PER_FILE);
  if (omitted === 0) return sorted;
  const first = sorted[MAX_ISSUES_PER_FILE] ?? sortIssues(summaries)[0]!;
  return [...sorted.slice(0, MAX_ISSUES_PER_FILE), omittedIssue(first, omitted)];
}

/** Stands, at the place of the first one left out, for the issues not shown. */
function omittedIssue(first: ConfigIssue, omitted: number): ConfigIssue {
  const place = { ...(first.line !== undefined ? { line: first.line } : {}), ...(first.column !== undefined ? { column: first.column } : {}) };
  const issue = { file: first.file, ...place, message: `… and ${omitted} more problem${omitted === 1 ? '' : 's'} here and below (only the first ${MAX_ISSUES_PER_FILE} are shown)` };
  leftOut.set(issue, omitted);
  return issue;
}

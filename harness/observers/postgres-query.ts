import type { ObserverConfigOf } from '../config/observer-schema.js';
import { ChaoslabError } from '../core/errors.js';
import type { SignalKind } from '../model/run-model.js';

type PostgresConfig = ObserverConfigOf<'postgres'>;

/** Named parameters an inventory's query may use, and what each carries. */
export const QUERY_PARAMETERS = ['host', 'host_names', 'check_type', 'since', 'run_id', 'cursor'] as const;
export type QueryParameter = (typeof QUERY_PARAMETERS)[number];

export interface CompiledQuery {
  readonly text: string;
  /** Parameter name of $1, $2, … */
  readonly order: readonly QueryParameter[];
}

// string literals, quoted identifiers, comments and `::` casts are copied as they are; `:name` is a parameter
const TOKENS = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|::|:([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Turns `WHERE hostname = ANY(:host_names) AND created_at >= :cursor` into
 * `$1`, `$2` placeholders: values always travel as parameters, never as SQL text.
 */
export function compileQuery(observer: string, query: string): CompiledQuery {
  const order: QueryParameter[] = [];
  const text = query.replace(TOKENS, (token, name: string | undefined) => {
    if (name === undefined) return token;
    if (!(QUERY_PARAMETERS as readonly string[]).includes(name)) {
      throw new ChaoslabError('OBSERVER_CONFIG', `observer ${observer}: query uses unknown parameter :${name} (known: ${QUERY_PARAMETERS.map((p) => `:${p}`).join(', ')})`);
    }
    let index = order.indexOf(name as QueryParameter);
    if (index === -1) index = order.push(name as QueryParameter) - 1;
    return `$${index + 1}`;
  });
  return { text, order };
}

/** A value equals the expected one (as text too); a list means any of; null matches null and absent. */
export function sameValue(actual: unknown, expected: unknown): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (Array.isArray(expected)) return expected.some((option) => sameValue(actual, option));
  if (actual === null || actual === undefined) return false;
  return actual === expected || String(actual) === String(expected);
}

/** The first rule whose every column matches decides the kind (e.g. success = true → claimed_healed). */
export function ruleKind(rules: PostgresConfig['rules'], row: Record<string, unknown>): SignalKind | undefined {
  return rules.find((rule) => Object.entries(rule.when).every(([column, expected]) => sameValue(row[column], expected)))?.kind;
}

/** A LISTEN channel as a quoted identifier (LISTEN takes no parameters). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

import type { FaultDefinition } from '../faults/fault.js';
import type { Bundle, Scenario, Suite } from './scenario-schema.js';

/** Where a loaded document came from, and how to find any of its fields again. */
export interface SourceDocument {
  /** The file as the user named it (relative to the working directory when possible). */
  readonly file: string;
  /** Path relative to the catalogue root without extension, e.g. `linux/lin-firewall` (for `linux/*` globs). */
  readonly catalogueKey: string;
  /** 1-based line/column of the node at a field path (or of its nearest existing parent). */
  locate(path: readonly PropertyKey[]): { line: number; column: number };
  /** 1-based line/column of the key of the last path segment (where an unknown key is written). */
  locateKey(path: readonly PropertyKey[]): { line: number; column: number };
}

/** A built-in fault resolved at load time, with its params parsed (defaults applied). */
export interface ResolvedFault {
  readonly definition: FaultDefinition;
  readonly params: Record<string, unknown>;
}

export interface CatalogueScenario {
  readonly kind: 'scenario';
  readonly config: Scenario;
  readonly source: SourceDocument;
  /** Present when the scenario uses `fault: {use: …}`; absent for explicit `steps`. */
  readonly fault?: ResolvedFault;
}

export interface CatalogueBundle {
  readonly kind: 'bundle';
  readonly config: Bundle;
  readonly source: SourceDocument;
}

export interface CatalogueSuite {
  readonly kind: 'suite';
  readonly config: Suite;
  readonly source: SourceDocument;
}

export type CatalogueEntry = CatalogueScenario | CatalogueBundle | CatalogueSuite;

/** Everything loaded from scenario files, each list in file order (paths sorted). */
export interface Catalogue {
  readonly scenarios: readonly CatalogueScenario[];
  readonly bundles: readonly CatalogueBundle[];
  readonly suites: readonly CatalogueSuite[];
}

/**
 * Suites, `chaoslab run <selectors…>` and `--shard` name entries by glob on the id
 * (`lin-ssh-*`) or on the catalogue path (`linux/*`, `windows/**`). `*` stays within
 * one path segment, `**` crosses segments, `?` is one character.
 */
export function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (let i = 0; i < glob.length; i += 1) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      pattern += '.*';
      i += 1;
    } else if (char === '*') pattern += '[^/]*';
    else if (char === '?') pattern += '[^/]';
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}

/** Does a selector (id or path glob) name this scenario or bundle? */
export function selectorMatches(selector: string, entry: { readonly config: { readonly id: string }; readonly source: SourceDocument }): boolean {
  const matcher = globToRegExp(selector);
  return matcher.test(entry.config.id) || matcher.test(entry.source.catalogueKey);
}

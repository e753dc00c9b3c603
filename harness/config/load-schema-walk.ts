import type { z } from 'zod';

/**
 * Walks a zod schema along a data path, to tell the user what *would* have been
 * valid there: the keys an object accepts (for "did you mean"), the values a
 * discriminator accepts. Reads zod 4's public `_zod.def` descriptors.
 */
interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly valueType?: z.ZodType;
  readonly values?: readonly unknown[];
  readonly entries?: Record<string, unknown>;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** Strips wrappers; a union becomes its options. */
function concrete(schema: z.ZodType): z.ZodType[] {
  const def = defOf(schema);
  if (WRAPPERS.has(def.type) && def.innerType) return concrete(def.innerType);
  if (def.type === 'pipe' && def.in) return concrete(def.in);
  if (def.type === 'union' && def.options) return def.options.flatMap(concrete);
  return [schema];
}

function child(schema: z.ZodType, segment: PropertyKey): z.ZodType[] {
  const def = defOf(schema);
  if (def.type === 'object' && def.shape && typeof segment === 'string') {
    const next = def.shape[segment];
    return next ? concrete(next) : [];
  }
  if (def.type === 'array' && def.element) return concrete(def.element);
  if (def.type === 'record' && def.valueType) return concrete(def.valueType);
  return [];
}

export function schemasAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  let current = concrete(root);
  for (const segment of path) current = current.flatMap((schema) => child(schema, segment));
  return current;
}

/** Keys accepted by the object(s) at `path`. */
export function knownKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  for (const schema of schemasAt(root, path)) {
    const def = defOf(schema);
    if (def.type === 'object' && def.shape) for (const key of Object.keys(def.shape)) keys.add(key);
  }
  return [...keys];
}

/** Literal or enum values accepted at `path` (e.g. the `kind` of a discriminated union). */
export function allowedValuesAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  const values = new Set<string>();
  for (const schema of schemasAt(root, path)) {
    const def = defOf(schema);
    if (def.type === 'literal' && def.values) for (const value of def.values) values.add(String(value));
    if (def.type === 'enum' && def.entries) for (const value of Object.values(def.entries)) values.add(String(value));
  }
  return [...values];
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest candidate when it is plausibly a typo (at most 2 edits, or a third of the word). */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best && best.distance <= limit ? best.candidate : undefined;
}

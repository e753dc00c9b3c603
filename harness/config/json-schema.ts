import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { expectationsSchema } from './expectations.js';
import { DOCUMENT_KINDS, SCHEMA_BY_KIND, type DocumentKind } from './load-file.js';

const TITLES: Record<DocumentKind, string> = {
  scenario: 'chaoslab scenario: one drift injected into one lab host, and what the healing stack is expected to do about it',
  bundle: 'chaoslab bundle: several scenarios injected together on one host (compound drift)',
  suite: 'chaoslab suite: scenarios and bundles chosen by glob, with repeat, concurrency and gates',
  lab: 'chaoslab lab inventory: hosts, transports, observers of the healing stack, and the protected management plane',
};

/**
 * JSON Schema for editors (`# yaml-language-server: $schema=…`), generated from the
 * same zod schemas the loader enforces. `io: 'input'` describes what a file may say
 * (durations as strings, defaults optional), not the parsed result.
 */
export function jsonSchemaFor(kind: DocumentKind): Record<string, unknown> {
  const generated = z.toJSONSchema(SCHEMA_BY_KIND[kind], { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...generated, $id: `urn:chaoslab:schema:${kind}`, title: TITLES[kind] };
}

/** Per-stack expectation overlays are read through a lab inventory, not loaded as catalogue documents, but editors want their schema too. */
function expectationsJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(expectationsSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...generated, $id: 'urn:chaoslab:schema:expectations', title: 'chaoslab expectations: where one healing stack is expected to differ from the scenarios\' expect, and why' };
}

/** The text of each generated file, keyed by file name; stable, so a test can compare it with the committed files. */
export function renderJsonSchemas(): Record<string, string> {
  const schemas: [string, Record<string, unknown>][] = [...DOCUMENT_KINDS.map((kind): [string, Record<string, unknown>] => [kind, jsonSchemaFor(kind)]), ['expectations', expectationsJsonSchema()]];
  return Object.fromEntries(schemas.map(([name, schema]) => [`${name}.schema.json`, `${JSON.stringify(schema, null, 2)}\n`]));
}

export async function writeJsonSchemas(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(renderJsonSchemas())) {
    const path = join(dir, name);
    await writeFile(path, text);
    written.push(path);
  }
  return written;
}

import { readFile, stat } from 'node:fs/promises';
import type { z } from 'zod';
import type { ConfigIssue } from '../core/errors.js';
import type { SourceDocument } from './catalogue.js';
import { labSchema, type LabConfig } from './lab-schema.js';
import { capIssues, issueAt, zodIssuesToConfig } from './load-issues.js';
import { oversizeIssue, parseYamlFile } from './load-yaml.js';
import { checkSchema } from './schema-check.js';
import { bundleSchema, scenarioSchema, suiteSchema, type Bundle, type Scenario, type Suite } from './scenario-schema.js';

/** A file's `kind` is `scenario` unless it says `kind: bundle | suite | lab`. */
export const DOCUMENT_KINDS = ['scenario', 'bundle', 'suite', 'lab'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const SCHEMA_BY_KIND: Record<DocumentKind, z.ZodType> = {
  scenario: scenarioSchema,
  bundle: bundleSchema,
  suite: suiteSchema,
  lab: labSchema,
};

export type LoadedDocument =
  | { readonly kind: 'scenario'; readonly config: Scenario; readonly source: SourceDocument }
  | { readonly kind: 'bundle'; readonly config: Bundle; readonly source: SourceDocument }
  | { readonly kind: 'suite'; readonly config: Suite; readonly source: SourceDocument }
  | { readonly kind: 'lab'; readonly config: LabConfig; readonly source: SourceDocument };

export type FileResult = { readonly document: LoadedDocument; readonly issues?: undefined } | { readonly document?: undefined; readonly issues: ConfigIssue[] };

/** Parses and schema-checks one document already read into memory. `--lab` files default to `lab`. */
export function loadDocument(file: string, text: string, catalogueKey: string, defaultKind: DocumentKind = 'scenario'): FileResult {
  const parsed = parseYamlFile(file, text, catalogueKey);
  if (!parsed.ok) return { issues: capIssues(parsed.issues) };
  const { data, source } = parsed.parsed;
  const declared = data.kind ?? defaultKind;
  if (!DOCUMENT_KINDS.includes(declared as DocumentKind)) {
    return { issues: [issueAt(source, ['kind'], `must be one of ${DOCUMENT_KINDS.join(', ')} (got ${JSON.stringify(declared)})`)] };
  }
  const kind = declared as DocumentKind;
  const schema = SCHEMA_BY_KIND[kind];
  const result = checkSchema(schema, data);
  if (!result.success) return { issues: capIssues(zodIssuesToConfig(result.issues, schema, source)) };
  return { document: { kind, config: result.data, source } as LoadedDocument };
}

/** Reads and loads one file; an unreadable file is an issue too, not a crash. */
export async function loadFile(file: string, catalogueKey: string, defaultKind: DocumentKind = 'scenario'): Promise<FileResult> {
  let text: string;
  try {
    // refused before reading: a huge file would cost its whole size in memory first
    const tooBig = oversizeIssue(file, (await stat(file)).size);
    if (tooBig) return { issues: [tooBig] };
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { issues: [{ file, message: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }] };
  }
  return loadDocument(file, text, catalogueKey, defaultKind);
}

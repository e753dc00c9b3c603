import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { z } from 'zod';
import type { ConfigIssue } from '../core/errors.js';
import type { Catalogue, SourceDocument } from './catalogue.js';
import { identifier } from './fields.js';
import type { LabConfig } from './lab-schema.js';
import { appendIssues, issueAt, sortIssues, zodIssuesToConfig } from './load-issues.js';
import { parseYamlFile } from './load-yaml.js';
import { expectSpec, type ExpectSpec } from './scenario-schema.js';

/**
 * Per-stack expectations. A scenario's `expect` describes one stack; the same
 * catalogue runs against several. An overlay, one file per healer profile,
 * says where a stack is expected to differ (a drift its policy does not cover
 * is an expected `not_healed`, a drift it fixes instead of escalating is an
 * expected heal), each with its reason. Everything else keeps the scenario's
 * expectation, so a regression of a covered drift still fails.
 */
export const expectationsSchema = z.strictObject({
  kind: z.literal('expectations'),
  /** The profile this overlay is for; must be the key the lab files it under. */
  healer: identifier,
  /** Expectations a stack cannot meet by design (e.g. it reports no tier or runbook), dropped for every scenario. */
  drop: z.array(z.enum(['tier', 'runbook'])).default([]),
  scenarios: z
    .record(identifier, expectSpec.extend({ reason: z.string().min(1).meta({ description: 'Why this stack differs (a policy gap, a different design choice)' }) }))
    .default({}),
});
export type ExpectationsFile = z.infer<typeof expectationsSchema>;

export interface ExpectationOverlay {
  readonly healer: string;
  readonly file: string;
  readonly drop: readonly ('tier' | 'runbook')[];
  readonly scenarios: ReadonlyMap<string, ExpectSpec & { readonly reason: string }>;
}

/** healer profile → overlay */
export type ExpectationOverlays = ReadonlyMap<string, ExpectationOverlay>;

/** The expectation of a scenario on a host running `overlay`'s stack. */
export function overlaidExpect(expect: ExpectSpec, scenarioId: string, overlay: ExpectationOverlay | undefined): ExpectSpec {
  if (!overlay) return expect;
  const entry = overlay.scenarios.get(scenarioId);
  const base: ExpectSpec = entry ? { outcome: entry.outcome, ...(entry.tier && { tier: entry.tier }), ...(entry.runbook && { runbook: entry.runbook }) } : expect;
  const { tier, runbook, ...rest } = base;
  return {
    ...rest,
    ...(tier !== undefined && !overlay.drop.includes('tier') && { tier }),
    ...(runbook !== undefined && !overlay.drop.includes('runbook') && { runbook }),
  };
}

async function loadOverlay(profile: string, path: string, lab: LabConfig, labSource: SourceDocument, catalogue: Catalogue): Promise<{ overlay?: ExpectationOverlay; issues: ConfigIssue[] }> {
  const file = resolve(dirname(labSource.file), path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { issues: [issueAt(labSource, ['expectations', profile], `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)] };
  }
  const parsed = parseYamlFile(relative(process.cwd(), file) || file, text, 'expectations');
  if (!parsed.ok) return { issues: parsed.issues };
  const { data, source } = parsed.parsed;
  const result = expectationsSchema.safeParse(data, { reportInput: true });
  if (!result.success) return { issues: sortIssues(zodIssuesToConfig(result.error.issues, expectationsSchema, source)) };
  const issues: ConfigIssue[] = [];
  if (result.data.healer !== profile) {
    issues.push(issueAt(source, ['healer'], `is "${result.data.healer}", but lab ${lab.name} files this overlay under expectations.${profile}`));
  }
  const known = new Set(catalogue.scenarios.map((scenario) => scenario.config.id));
  for (const id of Object.keys(result.data.scenarios)) {
    if (!known.has(id)) issues.push({ file: source.file, ...source.locateKey(['scenarios', id]), path: `scenarios.${id}`, message: `unknown scenario "${id}" (not in the loaded catalogue)` });
  }
  return {
    issues,
    overlay: { healer: profile, file: source.file, drop: result.data.drop, scenarios: new Map(Object.entries(result.data.scenarios)) },
  };
}

/** Loads every overlay the lab names; unreadable files, schema errors and unknown scenario ids are issues with file and line. */
export async function loadExpectationOverlays(lab: LabConfig, labSource: SourceDocument, catalogue: Catalogue): Promise<{ overlays: ExpectationOverlays; issues: ConfigIssue[] }> {
  const overlays = new Map<string, ExpectationOverlay>();
  const issues: ConfigIssue[] = [];
  for (const [profile, path] of Object.entries(lab.expectations)) {
    const loaded = await loadOverlay(profile, path, lab, labSource, catalogue);
    appendIssues(issues, loaded.issues);
    if (loaded.overlay) overlays.set(profile, loaded.overlay);
  }
  return { overlays, issues };
}

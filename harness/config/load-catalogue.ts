import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import type { ConfigIssue } from '../core/errors.js';
import { selectorMatches, type Catalogue, type CatalogueBundle, type CatalogueScenario, type CatalogueSuite, type SourceDocument } from './catalogue.js';
import type { LabConfig } from './lab-schema.js';
import { loadFile } from './load-file.js';
import { appendIssues, capIssues, issueAt } from './load-issues.js';
import { closestMatch } from './load-schema-walk.js';
import { checkScenario, type ScenarioCheckOptions } from './validate-scenario.js';

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);

interface FoundFile {
  readonly file: string;
  readonly catalogueKey: string;
}

function keyOf(root: string, file: string): string {
  return relative(root, file).slice(0, -extname(file).length).split(sep).join('/');
}

/** A file named directly is keyed relative to the nearest `scenarios/` folder above it, else by its name. */
function keyOfLoneFile(file: string): string {
  const parts = file.split(sep);
  const at = parts.lastIndexOf('scenarios');
  return at >= 0 && at < parts.length - 1 ? keyOf(parts.slice(0, at + 1).join(sep) || sep, file) : basename(file, extname(file));
}

async function walk(root: string, dir: string, out: FoundFile[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(root, full, out);
    else if (YAML_EXTENSIONS.has(extname(entry.name))) out.push({ file: full, catalogueKey: keyOf(root, full) });
  }
}

/** Expands the paths the user gave (files or folders) to YAML files, in a stable order. */
export async function findConfigFiles(paths: readonly string[]): Promise<{ files: FoundFile[]; issues: ConfigIssue[] }> {
  const files: FoundFile[] = [];
  const issues: ConfigIssue[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) issues.push({ file: path, message: 'no such file or folder' });
    else if (info.isDirectory()) await walk(path, path, files);
    else files.push({ file: path, catalogueKey: keyOfLoneFile(path) });
  }
  const seen = new Set<string>();
  return { files: files.filter((f) => (seen.has(f.file) ? false : (seen.add(f.file), true))), issues };
}

function where(source: SourceDocument, path: readonly PropertyKey[]): string {
  const { line, column } = source.locate(path);
  return `${source.file}:${line}:${column}`;
}

/** Scenarios and bundles share one id space (suites and `run` name either); suites have their own. */
function checkDuplicateIds(entries: readonly { config: { id: string }; source: SourceDocument }[], what: string): ConfigIssue[] {
  const first = new Map<string, SourceDocument>();
  const issues: ConfigIssue[] = [];
  for (const entry of entries) {
    const earlier = first.get(entry.config.id);
    if (!earlier) {
      first.set(entry.config.id, entry.source);
      continue;
    }
    issues.push(issueAt(entry.source, ['id'], `duplicate ${what} id "${entry.config.id}": also defined at ${where(earlier, ['id'])}`));
    issues.push(issueAt(earlier, ['id'], `duplicate ${what} id "${entry.config.id}": also defined at ${where(entry.source, ['id'])}`));
  }
  return issues;
}

function checkBundle(bundle: CatalogueBundle, scenarios: ReadonlyMap<string, CatalogueScenario>, bundleIds: ReadonlySet<string>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const platforms = new Set<string>();
  const seen = new Set<string>();
  bundle.config.members.forEach((id, index) => {
    const member = scenarios.get(id);
    if (seen.has(id)) issues.push(issueAt(bundle.source, ['members', index], `"${id}" is listed twice`));
    seen.add(id);
    if (member) platforms.add(member.config.platform);
    else if (bundleIds.has(id)) issues.push(issueAt(bundle.source, ['members', index], `"${id}" is a bundle; members must be scenarios`));
    else {
      const suggestion = closestMatch(id, [...scenarios.keys()]);
      issues.push(issueAt(bundle.source, ['members', index], `unknown scenario "${id}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`));
    }
  });
  if (platforms.size > 1) issues.push(issueAt(bundle.source, ['members'], `members mix platforms (${[...platforms].join(', ')}); a bundle runs on one host`));
  return issues;
}

function checkSuite(suite: CatalogueSuite, units: readonly (CatalogueScenario | CatalogueBundle)[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const field of ['include', 'exclude'] as const) {
    suite.config[field].forEach((glob, index) => {
      if (!units.some((unit) => selectorMatches(glob, unit))) issues.push(issueAt(suite.source, [field, index], `"${glob}" matches no scenario or bundle id or path`));
    });
  }
  return issues;
}

export interface LoadedCatalogue {
  readonly catalogue: Catalogue;
  /** Inventories found among the paths (validated on their own). */
  readonly labs: readonly { readonly config: LabConfig; readonly source: SourceDocument }[];
  readonly fileCount: number;
  readonly issues: readonly ConfigIssue[];
}

/**
 * Loads every scenario, bundle and suite under `paths`, collecting every problem
 * across all files rather than stopping at the first.
 */
export async function loadCatalogue(paths: readonly string[], options: ScenarioCheckOptions): Promise<LoadedCatalogue> {
  const found = await findConfigFiles(paths);
  const issues: ConfigIssue[] = [...found.issues];
  const scenarios: CatalogueScenario[] = [];
  const bundles: CatalogueBundle[] = [];
  const suites: CatalogueSuite[] = [];
  const labs: { config: LabConfig; source: SourceDocument }[] = [];
  for (const { file, catalogueKey } of found.files) {
    const result = await loadFile(file, catalogueKey);
    if (!result.document) {
      appendIssues(issues, result.issues);
      continue;
    }
    const document = result.document;
    if (document.kind === 'scenario') {
      const checked = checkScenario(document.config, document.source, options);
      appendIssues(issues, capIssues(checked.issues));
      scenarios.push({ kind: 'scenario', config: document.config, source: document.source, ...(checked.fault ? { fault: checked.fault } : {}) });
    } else if (document.kind === 'bundle') bundles.push(document);
    else if (document.kind === 'suite') suites.push(document);
    else labs.push(document);
  }
  const scenarioById = new Map(scenarios.map((entry) => [entry.config.id, entry]));
  const bundleIds = new Set(bundles.map((entry) => entry.config.id));
  appendIssues(issues, checkDuplicateIds([...scenarios, ...bundles], 'scenario/bundle'));
  appendIssues(issues, checkDuplicateIds(suites, 'suite'));
  for (const bundle of bundles) appendIssues(issues, checkBundle(bundle, scenarioById, bundleIds));
  for (const suite of suites) appendIssues(issues, checkSuite(suite, [...scenarios, ...bundles]));
  return { catalogue: { scenarios, bundles, suites }, labs, fileCount: found.files.length, issues };
}

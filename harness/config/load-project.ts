import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { getFault, listFaults } from '../faults/registry.js';
import type { Catalogue, SourceDocument } from './catalogue.js';
import { loadExpectationOverlays, type ExpectationOverlays } from './expectations.js';
import type { LabConfig } from './lab-schema.js';
import { loadCatalogue } from './load-catalogue.js';
import { loadFile } from './load-file.js';
import { appendIssues, sortIssues } from './load-issues.js';
import { checkLab, crossCheckLab, labWarnings, UNSAFE_PREFIX } from './validate-lab.js';
import { unsignedWebhookWarnings } from './validate-webhook.js';
import { templateStepsValidator, type FaultLookup, type StepsValidator } from './validate-scenario.js';

export const DEFAULT_SCENARIO_PATHS: readonly string[] = ['scenarios'];

/** Built-in faults come from the registry; whoever starts chaoslab registers them first. */
export const registryFaults: FaultLookup = { get: getFault, list: listFaults };

export interface ProjectOptions {
  /** Files or folders of scenarios, bundles and suites (default `scenarios/`). */
  readonly scenarioPaths?: readonly string[];
  /** The lab inventory; without it, targets and the management plane are not checked. */
  readonly labPath?: string;
  readonly faults?: FaultLookup;
  /** Validates the templates of explicit `steps` (default: harness/quoting/template.ts). */
  readonly validateSteps?: StepsValidator;
}

export interface LoadedLab {
  readonly config: LabConfig;
  readonly source: SourceDocument;
}

export interface Project {
  readonly catalogue: Catalogue;
  readonly lab?: LabConfig;
  readonly labSource?: SourceDocument;
  /** The lab's per-stack expectation overlays, by healer profile (empty without a lab). */
  readonly expectations: ExpectationOverlays;
  /** Inventories that were among the scenario paths (`chaoslab validate lab/embedded.yaml`). */
  readonly otherLabs: readonly LoadedLab[];
  readonly fileCount: number;
  /** Likely mistakes that do not stop a run (printed by `validate`). */
  readonly warnings: readonly ConfigIssue[];
}

/** Loads one inventory; a file without `kind` is taken to be a lab here. */
export async function loadLabFile(path: string): Promise<{ lab?: LoadedLab; issues: ConfigIssue[] }> {
  const result = await loadFile(path, 'lab', 'lab');
  if (!result.document) return { issues: result.issues };
  if (result.document.kind !== 'lab') {
    return { issues: [{ file: path, ...result.document.source.locate(['kind']), path: 'kind', message: `--lab needs a lab inventory, this file is a ${result.document.kind}` }] };
  }
  const lab = { config: result.document.config, source: result.document.source };
  return { lab, issues: checkLab(lab.config, lab.source) };
}

/** A fault refused for the management plane outranks every other problem in the error code. */
export function configErrorFor(issues: readonly ConfigIssue[]): ConfigError {
  const sorted = sortIssues(issues);
  const unsafe = sorted.some((issue) => issue.message.startsWith(UNSAFE_PREFIX));
  return new ConfigError(sorted, unsafe ? 'CHAOSLAB_UNSAFE_FAULT' : 'CHAOSLAB_CONFIG_INVALID');
}

/**
 * The one entry point for config: `validate` and `run` both call it, so nothing is
 * ever injected from files that did not pass every check. Throws ConfigError
 * carrying every problem found in every file.
 */
export async function loadProject(options: ProjectOptions = {}): Promise<Project> {
  const loaded = await loadCatalogue(options.scenarioPaths?.length ? options.scenarioPaths : DEFAULT_SCENARIO_PATHS, {
    faults: options.faults ?? registryFaults,
    validateSteps: options.validateSteps ?? templateStepsValidator,
  });
  const issues: ConfigIssue[] = [...loaded.issues];
  for (const other of loaded.labs) appendIssues(issues, checkLab(other.config, other.source));
  let lab: LoadedLab | undefined;
  let expectations: ExpectationOverlays = new Map();
  if (options.labPath !== undefined) {
    const result = await loadLabFile(options.labPath);
    appendIssues(issues, result.issues);
    lab = result.lab;
    if (lab && result.issues.length === 0) {
      appendIssues(issues, crossCheckLab(loaded.catalogue, lab.config));
      const overlays = await loadExpectationOverlays(lab.config, lab.source, loaded.catalogue);
      appendIssues(issues, overlays.issues);
      expectations = overlays.overlays;
    }
  }
  if (issues.length > 0) throw configErrorFor(issues);
  return {
    catalogue: loaded.catalogue,
    ...(lab ? { lab: lab.config, labSource: lab.source } : {}),
    expectations,
    otherLabs: loaded.labs,
    fileCount: loaded.fileCount,
    warnings: lab ? sortIssues([...labWarnings(loaded.catalogue, lab.config), ...unsignedWebhookWarnings(lab.config, lab.source)]) : [],
  };
}

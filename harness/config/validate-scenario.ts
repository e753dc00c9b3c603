import type { ConfigIssue } from '../core/errors.js';
import type { FaultDefinition } from '../faults/fault.js';
import { validateTemplate } from '../quoting/template.js';
import type { ShellKind } from '../quoting/shell.js';
import type { ResolvedFault, SourceDocument } from './catalogue.js';
import { appendIssues, issueAt, zodIssuesToConfig } from './load-issues.js';
import { closestMatch } from './load-schema-walk.js';
import { checkSchema } from './schema-check.js';
import type { Scenario, StepsSpec } from './scenario-schema.js';

export type FaultLookup = {
  get(name: string): FaultDefinition | undefined;
  list(): readonly FaultDefinition[];
};

/**
 * Checks the commands of explicit `steps` (the `{{…}}` template syntax, helpers,
 * params that are referenced but not given). Returns one message per bad step.
 */
export type StepsValidator = (
  steps: StepsSpec,
  params: Readonly<Record<string, unknown>>,
  shell: ShellKind,
) => readonly { readonly step: keyof StepsSpec; readonly message: string }[];

const STEP_NAMES = ['snapshot', 'inject', 'check', 'revert'] as const;

/**
 * The default StepsValidator: each command is a template of harness/quoting/template.ts
 * whose variables are the scenario's `params` (revert also sees `snapshot`).
 * Template positions are relative to the command; the issue points at the step.
 */
export const templateStepsValidator: StepsValidator = (steps, params, shell) =>
  STEP_NAMES.flatMap((step) => {
    const template = steps[step];
    if (template === undefined) return [];
    const variables = step === 'revert' ? [...Object.keys(params), 'snapshot'] : Object.keys(params);
    return validateTemplate(template, { shell, variables }).map((problem) => ({ step, message: `${problem.message} (at ${problem.line}:${problem.column} of the command)` }));
  });

export interface ScenarioCheckOptions {
  readonly faults: FaultLookup;
  readonly validateSteps?: StepsValidator;
}

const SECRET_LOOKING_KEY = /(pass(word|wd|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential|^key$)/i;
const SECRET_REFERENCE = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;

/**
 * Free-form maps (`params`, `fault.with`) escape the schema's secret-reference rule,
 * so a value under a key that looks like a credential must be a reference too.
 */
export function findInlineSecrets(source: SourceDocument, value: unknown, path: readonly PropertyKey[]): ConfigIssue[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => findInlineSecrets(source, item, [...path, index]));
  if (value === null || typeof value !== 'object') return [];
  const out: ConfigIssue[] = [];
  for (const [key, inner] of Object.entries(value)) {
    const here = [...path, key];
    if (SECRET_LOOKING_KEY.test(key) && (typeof inner === 'string' || typeof inner === 'number') && !SECRET_REFERENCE.test(String(inner))) {
      out.push(issueAt(source, here, 'looks like an inline secret: write a reference env:NAME or file:PATH instead (secrets never live in scenario files)'));
    } else appendIssues(out, findInlineSecrets(source, inner, here));
  }
  return out;
}

function resolveFault(scenario: Scenario, source: SourceDocument, faults: FaultLookup, issues: ConfigIssue[]): ResolvedFault | undefined {
  const use = scenario.fault;
  if (!use) return undefined;
  const definition = faults.get(use.use);
  if (!definition) {
    const known = faults.list().map((fault) => fault.name);
    const suggestion = closestMatch(use.use, known);
    const hint = suggestion ? ` (did you mean "${suggestion}"?)` : known.length > 0 ? ` (known: ${known.join(', ')})` : ' (no built-in faults are registered)';
    issues.push(issueAt(source, ['fault', 'use'], `unknown built-in fault "${use.use}"${hint}`));
    return undefined;
  }
  if (definition.platform !== scenario.platform) {
    issues.push(issueAt(source, ['fault', 'use'], `fault ${definition.name} is for ${definition.platform}, but the scenario's platform is ${scenario.platform}`));
    return undefined;
  }
  const params = checkSchema(definition.params, use.with);
  if (!params.success) {
    appendIssues(issues, zodIssuesToConfig(params.issues, definition.params, source, ['fault', 'with']));
    return undefined;
  }
  return { definition, params: params.data };
}

/** Checks of one scenario beyond its schema: the fault it names, its params, secrets, step templates. */
export function checkScenario(scenario: Scenario, source: SourceDocument, options: ScenarioCheckOptions): { fault?: ResolvedFault; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [
    ...findInlineSecrets(source, scenario.params, ['params']),
    ...findInlineSecrets(source, scenario.fault?.with, ['fault', 'with']),
  ];
  const fault = resolveFault(scenario, source, options.faults, issues);
  if (scenario.steps && options.validateSteps) {
    const shell: ShellKind = scenario.platform === 'windows' ? 'powershell' : 'posix';
    for (const problem of options.validateSteps(scenario.steps, scenario.params, shell)) {
      issues.push(issueAt(source, ['steps', problem.step], problem.message));
    }
  }
  return { ...(fault ? { fault } : {}), issues };
}

import type { ConfigIssue } from '../core/errors.js';
import { psStepCheck } from '../quoting/powershell.js';
import { compileCommandParts } from '../quoting/template.js';
import type { CatalogueScenario } from './catalogue.js';
import { issueAt } from './load-issues.js';
import { parsePowerShell } from './powershell-parser.js';

/** One PowerShell step as chaoslab would send it, and where it was written. */
interface PowerShellStep {
  readonly scenario: CatalogueScenario;
  readonly step: string;
  readonly script: string;
  /** Lines before the author's text (the prologue that sets the values' variables). */
  readonly offset: number;
}

/**
 * The PowerShell steps of Windows scenarios, rendered as they would be sent
 * (parameters quoted; `{{snapshot}}` as an empty literal). A check is given
 * both as written and inside its probe-error wrapper, which runs it through
 * Invoke-Expression: inside that string a parse error would only show on the host.
 */
export function powershellSteps(scenarios: readonly CatalogueScenario[]): PowerShellStep[] {
  const steps: PowerShellStep[] = [];
  for (const scenario of scenarios) {
    const { platform, steps: spec, params } = scenario.config;
    if (platform !== 'windows' || !spec) continue;
    for (const [step, template] of Object.entries(spec)) {
      if (template === undefined) continue;
      const { prologue, body } = compileCommandParts(template, 'powershell')({ ...params, snapshot: '' });
      const script = prologue + body;
      // errors are reported at the line of the author's step, not of the value-setting prologue before it
      steps.push({ scenario, step, script, offset: prologue.split('\n').length - 1 });
      if (step === 'check') steps.push({ scenario, step, script: psStepCheck(script), offset: 0 });
    }
  }
  return steps;
}

/** Every parse error of the scenarios' PowerShell steps, at the step's place in its file (one pwsh process for all). */
export async function parsePowerShellSteps(scenarios: readonly CatalogueScenario[], pwsh: string): Promise<{ parsed: number; issues: ConfigIssue[] }> {
  const steps = powershellSteps(scenarios);
  if (steps.length === 0) return { parsed: 0, issues: [] };
  const results = await parsePowerShell(steps.map((s) => s.script), pwsh);
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  steps.forEach(({ scenario, step, offset }, index) => {
    for (const error of results[index]!) {
      const message = `PowerShell does not parse it (line ${Math.max(1, error.line - offset)}, column ${error.column} of the step): ${error.message}`;
      const key = `${scenario.source.file}\0${step}\0${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(issueAt(scenario.source, ['steps', step], message));
    }
  });
  return { parsed: steps.length, issues };
}

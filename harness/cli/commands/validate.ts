import type { Command } from 'commander';
import type { Catalogue } from '../../config/catalogue.js';
import type { LabConfig } from '../../config/lab-schema.js';
import { ConfigError, formatIssue } from '../../core/errors.js';
import { unresolvedSecrets } from '../../config/secrets.js';
import { DEFAULT_SCENARIO_PATHS, loadProject, type Project } from '../../config/load-project.js';
import { findPwsh } from '../../config/powershell-parser.js';
import { parsePowerShellSteps, powershellSteps } from '../../config/validate-powershell.js';
import { action } from '../action.js';
import { ExitCode, type ExitCodeValue } from '../../core/exit-codes.js';

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Scenarios of a platform the lab lacks are not errors: `run` will skip them. */
function skippedPlatforms(catalogue: Catalogue, lab: LabConfig): string[] {
  const present = new Set(lab.hosts.map((host) => host.platform));
  const missing = new Map<string, number>();
  for (const scenario of catalogue.scenarios) {
    const { platform } = scenario.config;
    if (!present.has(platform)) missing.set(platform, (missing.get(platform) ?? 0) + 1);
  }
  return [...missing].map(([platform, count]) => `${plural(count, `${platform} scenario`)} will be skipped: lab ${lab.name} has no ${platform} host`);
}

export function validationSummary(project: Project): string[] {
  const { scenarios, bundles, suites } = project.catalogue;
  const lines = [`valid: ${plural(scenarios.length, 'scenario')}, ${plural(bundles.length, 'bundle')}, ${plural(suites.length, 'suite')} in ${plural(project.fileCount, 'file')}`];
  for (const other of project.otherLabs) lines.push(`valid: lab ${other.config.name} (${plural(other.config.hosts.length, 'host')}) in ${other.source.file}`);
  if (project.lab) {
    lines.push(`lab ${project.lab.name}: ${plural(project.lab.hosts.length, 'host')}; every target matches a host and no fault touches the management plane`);
    lines.push(...skippedPlatforms(project.catalogue, project.lab));
  } else lines.push('targets and the management plane were not checked: pass --lab <inventory>');
  for (const warning of project.warnings) lines.push(`warning: ${formatIssue(warning)}`);
  return lines;
}

export async function runValidate(paths: readonly string[], options: { lab?: string }): Promise<ExitCodeValue> {
  const project = await loadProject({ scenarioPaths: paths, ...(options.lab !== undefined ? { labPath: options.lab } : {}) });
  if (project.lab && project.labSource && options.lab !== undefined) {
    const missing = await unresolvedSecrets(project.lab, options.lab, project.labSource);
    if (missing.length) throw new ConfigError(missing, 'CHAOSLAB_SECRET_UNRESOLVED');
  }
  const parseNote = await parsePowerShell(project);
  process.stdout.write(`${[...validationSummary(project), ...parseNote].join('\n')}\n`);
  return ExitCode.ok;
}

/**
 * A Windows scenario's own steps are parsed by PowerShell's parser when pwsh is
 * installed (a step that does not parse is exit 2 here, never a drift at run
 * time); without pwsh the parse is skipped and said so.
 */
async function parsePowerShell(project: Project): Promise<string[]> {
  const count = powershellSteps(project.catalogue.scenarios).length;
  if (count === 0) return [];
  const pwsh = findPwsh();
  if (!pwsh) return [`PowerShell steps not parsed: pwsh was not found on PATH or in ~/.dotnet/tools (${plural(count, 'script')} unchecked)`];
  const { parsed, issues } = await parsePowerShellSteps(project.catalogue.scenarios, pwsh);
  if (issues.length) throw new ConfigError(issues);
  return [`PowerShell steps parsed by ${pwsh}: ${plural(parsed, 'script')}, no errors`];
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('Check scenarios, bundles, suites and (with --lab) the inventory without running anything. Exits 0 when valid, 2 with every problem as file:line:col path: message.')
    .argument('[paths...]', `scenario files or folders (default: ${DEFAULT_SCENARIO_PATHS.join(' ')})`)
    .option('--lab <file>', 'lab inventory: also check targets, bundles on one host and the management plane')
    .action(action((paths: string[], options: { lab?: string }) => runValidate(paths, options)));
}

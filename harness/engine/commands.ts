import type { CatalogueScenario } from '../config/catalogue.js';
import type { HostConfig } from '../config/lab-schema.js';
import { ChaoslabError } from '../core/errors.js';
import type { FaultCommands } from '../faults/fault.js';
import { quoteFor } from '../quoting/shell.js';
import type { ShellKind } from '../transport/transport.js';

/** The shell that runs a host's commands: PowerShell for Windows (WinRM or OpenSSH), else POSIX sh. */
export function hostShell(host: HostConfig): ShellKind {
  if (host.transport.kind === 'ssh' && host.transport.shell) return host.transport.shell;
  return host.platform === 'windows' ? 'powershell' : 'posix';
}

/** `{{name}}` → the parameter quoted for the shell; a value can never become shell syntax. */
function render(template: string, values: Readonly<Record<string, unknown>>, shell: ShellKind, where: string): string {
  return template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => {
    if (!Object.hasOwn(values, name)) throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', `${where}: {{${name}}} is not a parameter of this scenario`);
    const value = values[name];
    return quoteFor(shell, typeof value === 'string' ? value : JSON.stringify(value));
  });
}

/**
 * The four commands of a scenario for its host's shell: a built-in fault's
 * builder, or the explicit `steps` with every `{{param}}` quoted for the shell;
 * revert also sees the snapshot's output as `{{snapshot}}`.
 */
export function faultCommands(scenario: CatalogueScenario, host: HostConfig): FaultCommands {
  if (scenario.fault) return scenario.fault.definition.build(scenario.fault.params);
  const steps = scenario.config.steps!;
  const shell = hostShell(host);
  const params = scenario.config.params;
  const where = (step: string) => `${scenario.source.file} steps.${step}`;
  return {
    ...(steps.snapshot !== undefined && { snapshot: render(steps.snapshot, params, shell, where('snapshot')) }),
    inject: render(steps.inject, params, shell, where('inject')),
    check: render(steps.check, params, shell, where('check')),
    revert: (snapshot) => render(steps.revert, { ...params, snapshot }, shell, where('revert')),
  };
}

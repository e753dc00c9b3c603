import type { CatalogueScenario } from '../config/catalogue.js';
import type { HostConfig } from '../config/lab-schema.js';
import type { FaultCommands } from '../faults/fault.js';
import { psStepCheck } from '../quoting/powershell.js';
import { compileCommand } from '../quoting/template.js';
import type { ShellKind } from '../quoting/shell.js';

/** The shell that runs a host's commands: PowerShell for Windows (WinRM or OpenSSH), else POSIX sh. */
export function hostShell(host: HostConfig): ShellKind {
  if (host.transport.kind === 'ssh' && host.transport.shell) return host.transport.shell;
  return host.platform === 'windows' ? 'powershell' : 'posix';
}

/**
 * The four commands of a scenario for its host's shell: a built-in fault's
 * builder, or the explicit `steps` rendered by quoting/template.ts (every
 * `{{param}}` set in a variable before the command and referred to, never
 * pasted into it); revert also sees the snapshot's output, a value from the
 * host, as `{{snapshot}}` the same way. A PowerShell check is wrapped so an error that ends it exits 2
 * (could not tell) instead of PowerShell's 1, which would read as drift.
 */
export function faultCommands(scenario: CatalogueScenario, host: HostConfig): FaultCommands {
  if (scenario.fault) return scenario.fault.definition.build(scenario.fault.params);
  const steps = scenario.config.steps!;
  const shell = hostShell(host);
  const params = scenario.config.params;
  const render = (template: string, vars: Record<string, unknown> = params) => compileCommand(template, shell)(vars);
  return {
    ...(steps.snapshot !== undefined && { snapshot: render(steps.snapshot) }),
    inject: render(steps.inject),
    check: shell === 'powershell' ? psStepCheck(render(steps.check)) : render(steps.check),
    revert: (snapshot) => render(steps.revert, { ...params, snapshot }),
  };
}

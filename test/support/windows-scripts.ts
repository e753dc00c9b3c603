import { loadProject } from '../../harness/config/load-project.js';
import { powershellSteps } from '../../harness/config/validate-powershell.js';
import type { FaultDefinition } from '../../harness/faults/fault.js';
import { windowsFaults } from '../../harness/faults/windows/index.js';
import { CLOCK_COMMAND } from '../../harness/engine/skew.js';
import { followCommand, measureCommand } from '../../harness/observers/log-tail.js';
import { UTF8_PRELUDE } from '../../harness/quoting/powershell.js';
import { armCheck } from '../../harness/transport/check-outcome.js';
import { decodeCodeUnits, decodeEncodedCommand, planPowerShell } from '../../harness/transport/winrm/powershell-command.js';

/** One PowerShell script as chaoslab sends it to a Windows host. */
export interface SentScript {
  readonly label: string;
  /** `check` and `applicable` are under the check contract (and its lint). */
  readonly phase: 'applicable' | 'snapshot' | 'inject' | 'check' | 'revert' | 'log-tail' | 'clock' | 'bootstrap' | 'uploaded';
  readonly script: string;
}

/** What a snapshot looks like when revert gets it back: JSON full of quotes. */
const SNAPSHOT = `{"value":"it's $(x) \`n ‘y’","existed":true}`;

/** Every parameter set of the Windows faults used in scenarios/ (and each fault's defaults). */
export async function windowsParameterSets(): Promise<{ fault: FaultDefinition; params: Record<string, unknown>; where: string }[]> {
  const project = await loadProject({ scenarioPaths: ['scenarios'] });
  const sets = windowsFaults.map((fault) => ({ fault, params: fault.params.parse(defaultsOf(fault)), where: 'defaults' }));
  for (const scenario of project.catalogue.scenarios) {
    if (scenario.fault?.definition.platform !== 'windows') continue;
    sets.push({ fault: scenario.fault.definition, params: scenario.fault.params as Record<string, unknown>, where: scenario.source.file });
  }
  return sets;
}

/** Required parameters have no default: these values stand in for them. */
const REQUIRED: Readonly<Record<string, Record<string, unknown>>> = {
  'windows.registry_value': { path: 'HKLM:\\SOFTWARE\\Chaoslab', name: 'Probe', value: 'x' },
  'windows.service_state': { service: 'W32Time' },
  'windows.scheduled_task_persistence': { name: 'ChaoslabTask' },
};

function defaultsOf(fault: FaultDefinition): Record<string, unknown> {
  return REQUIRED[fault.name] ?? {};
}

/** The text the host runs for `script`: over OpenSSH the prelude + script; over WinRM the same, or the bootstrap and what it decodes. */
export function asSent(label: string, phase: SentScript['phase'], script: string): SentScript[] {
  const sent: SentScript[] = [{ label: `${label} (OpenSSH)`, phase, script: UTF8_PRELUDE + script }];
  const plan = planPowerShell(script);
  if (plan.uploads.length === 0) {
    sent.push({ label: `${label} (WinRM)`, phase, script: decodeEncodedCommand(plan.run)! });
  } else {
    sent.push({ label: `${label} (WinRM bootstrap)`, phase: 'bootstrap', script: decodeEncodedCommand(plan.run)! });
    const hex = plan.uploads.map((line) => /^echo ([0-9a-f]+) >>/.exec(line)![1]).join('');
    sent.push({ label: `${label} (WinRM, uploaded in ${plan.uploads.length} chunks)`, phase, script: decodeCodeUnits(hex) });
  }
  return sent;
}

/** Every script of every Windows fault, parameter set and phase; the log tail's; the clock read; the scenarios' own steps. */
export async function everyWindowsScript(): Promise<SentScript[]> {
  const scripts: SentScript[] = [];
  for (const { fault, params, where } of await windowsParameterSets()) {
    const commands = fault.build(params);
    const label = `${fault.name} [${where}]`;
    if (commands.applicable !== undefined) scripts.push(...asSent(`${label} applicable`, 'applicable', armCheck(commands.applicable).script));
    if (commands.snapshot !== undefined) scripts.push(...asSent(`${label} snapshot`, 'snapshot', commands.snapshot));
    scripts.push(...asSent(`${label} inject`, 'inject', commands.inject));
    scripts.push(...asSent(`${label} check`, 'check', armCheck(commands.check).script));
    scripts.push(...asSent(`${label} revert`, 'revert', commands.revert(SNAPSHOT)));
  }
  const log = "C:\\ProgramData\\Agent\\agent's log.txt";
  scripts.push(...asSent('log measure', 'log-tail', measureCommand('powershell', log)));
  scripts.push(...asSent('log follow', 'log-tail', followCommand('powershell', log, { identity: '0000abcd-0000000000000001', offset: 42 })));
  scripts.push(...asSent('clock (skew)', 'clock', CLOCK_COMMAND.powershell));
  const project = await loadProject({ scenarioPaths: ['scenarios'] });
  for (const { scenario, step, script } of powershellSteps(project.catalogue.scenarios)) {
    scripts.push(...asSent(`${scenario.config.id} steps.${step}`, step === 'check' ? 'check' : 'inject', script));
  }
  // A check long enough to be uploaded in chunks: the bootstrap and the reassembled text.
  const long = windowsFaults.find((f) => f.name === 'windows.firewall_profiles_off')!.build({ profiles: ['Domain'] }).check;
  scripts.push(...asSent('a long check', 'check', armCheck(`${'# padding to force the upload\n'.repeat(400)}${long}`).script));
  return scripts;
}

import { describe, expect, it } from 'vitest';
import { getFault } from '../../harness/faults/registry.js';
import { checkInModel, proveFault, type FaultProof, type Role } from '../support/windows-model/prove.js';
import { runInModel, type ModelState } from '../support/windows-model/run.js';
import { splitLiterals } from '../support/winrm-server/powershell-literals.js';

/**
 * The "system" Windows faults (registry, scheduled task, service, Guest,
 * Defender) run in real pwsh against the Windows model: every parameter set the
 * scenarios use plus the edge cases, in FullLanguage and ConstrainedLanguage,
 * each proven snapshot → compliant → inject → drifted → revert → compliant →
 * state equal; and every check reads an unreadable resource as a probe error.
 */

interface Case {
  readonly title: string;
  readonly fault: string;
  readonly params: Record<string, unknown>;
  readonly role: Role;
  readonly state?: ModelState;
  readonly constrained?: boolean;
}

const both = (c: Omit<Case, 'constrained'>): Case[] => [c, { ...c, title: `${c.title} (ConstrainedLanguage)`, constrained: true }];
const CURRENT_VERSION = 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';
const EXISTING_TASK = {
  '\\ChaoslabPersistence': {
    path: '\\',
    name: 'ChaoslabPersistence',
    state: 'Ready',
    xml: '<?xml version="1.0" encoding="UTF-16"?>\r\n<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task"><Actions Context="Author"><Exec><Command>C:\\Vendor\\agent.exe</Command></Exec></Actions></Task>',
  },
};

const CASES: Case[] = [
  // scenarios/windows/win-ws-registry-run.yaml
  ...both({ title: 'run key, scenario parameters', fault: 'windows.run_key_persistence', params: { hive: 'HKLM', name: 'ChaoslabUpdater' }, role: 'ws' }),
  { title: 'new value under two new keys', fault: 'windows.registry_value', params: { path: 'HKLM:\\SOFTWARE\\Chaoslab\\Deep', name: 'Mode', value: 'on' }, role: 'srv', constrained: true },
  { title: 'REG_BINARY replaced by a string, restored byte for byte', fault: 'windows.registry_value', params: { path: CURRENT_VERSION, name: 'DigitalProductId', value: 'x' }, role: 'srv' },
  { title: 'REG_MULTI_SZ replaced by a DWord', fault: 'windows.registry_value', params: { path: 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\ServiceGroupOrder', name: 'List', value: 1, type: 'DWord' }, role: 'srv', constrained: true },
  { title: 'REG_EXPAND_SZ restored unexpanded', fault: 'windows.registry_value', params: { path: 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run', name: 'SecurityHealth', value: 'C:\\evil.exe' }, role: 'ws' },
  { title: 'ExpandString under HKU (Registry provider path)', fault: 'windows.registry_value', params: { path: 'HKU:\\S-1-5-19\\Software\\Chaoslab', name: 'p', value: '%SystemRoot%\\x', type: 'ExpandString' }, role: 'srv' },
  // scenarios/windows/win-srv-scheduled-task.yaml
  ...both({ title: 'scheduled task, scenario parameters', fault: 'windows.scheduled_task_persistence', params: { name: 'ChaoslabPersistence', trigger: 'logon' }, role: 'srv' }),
  { title: 'a task of that name existed: restored from its XML', fault: 'windows.scheduled_task_persistence', params: { trigger: 'daily' }, role: 'srv', state: { tasks: EXISTING_TASK } },
  ...both({ title: 'service with a running dependent (LanmanServer → Netlogon)', fault: 'windows.service_state', params: { service: 'LanmanServer' }, role: 'srv' }),
  { title: 'delayed auto-start service disabled (BITS on a workstation)', fault: 'windows.service_state', params: { service: 'BITS', state: 'disabled' }, role: 'ws' },
  ...both({ title: 'Guest account', fault: 'windows.guest_account_enabled', params: {}, role: 'srv' }),
  { title: 'Guest account named Invité (French Windows)', fault: 'windows.guest_account_enabled', params: {}, role: 'ws', state: { users: { list: [{ name: 'Administrateur', rid: 500, enabled: true }, { name: 'Invité', rid: 501, enabled: false }] } }, constrained: true },
  ...both({ title: 'Defender exclusion', fault: 'windows.defender_exclusion', params: {}, role: 'srv' }),
];

const proofs = new Map<string, Promise<FaultProof>>();
/** Each case's proof, started once (the extra assertions below reuse the proofs of their cases). */
function proofOf(title: string): Promise<FaultProof> {
  const c = CASES.find((one) => one.title === title)!;
  if (!proofs.has(title)) proofs.set(title, proveFault(c.fault, c.params, { role: c.role, ...(c.state && { state: c.state }), constrained: c.constrained ?? false }));
  return proofs.get(title)!;
}
const stateAfter = (proof: FaultProof, phase: string): ModelState => proof.steps.find((s) => s.phase === phase)!.run.state;
// A proof is eight pwsh starts (a minute and more on a loaded machine): cases run concurrently (vitest's maxConcurrency).
const PROOF_TIMEOUT = 1_200_000;

describe.concurrent('the system faults are sound in the Windows model', () => {
  it.each(CASES.map((c) => [c.title] as const))('%s', async (title) => {
    expect((await proofOf(title)).problems).toEqual([]);
  }, PROOF_TIMEOUT);

  it('Stop-Service -Force stopped the dependent Netlogon; revert started it again', async () => {
    for (const title of ['service with a running dependent (LanmanServer → Netlogon)', 'service with a running dependent (LanmanServer → Netlogon) (ConstrainedLanguage)']) {
      const proof = await proofOf(title);
      const services = (phase: string) => stateAfter(proof, phase)['services'] as Record<string, { status: string }>;
      expect(services('inject')['Netlogon']!.status).toBe('Stopped');
      expect(services('revert')['Netlogon']!.status).toBe('Running');
      expect(JSON.parse(proof.steps.find((s) => s.phase === 'snapshot')!.run.stdout)).toMatchObject({ runningDependents: ['Netlogon'] });
    }
  }, PROOF_TIMEOUT);

  it('a delayed auto-start service is still delayed after revert', async () => {
    const proof = await proofOf('delayed auto-start service disabled (BITS on a workstation)');
    expect((stateAfter(proof, 'inject')['services'] as Record<string, { startType: string }>)['BITS']!.startType).toBe('Disabled');
    expect((proof.final['services'] as Record<string, unknown>)['BITS']).toMatchObject({ startType: 'Automatic', delayed: true, status: 'Running' });
  }, PROOF_TIMEOUT);

  it('registry values come back with their kind and raw data (binary bytes, unexpanded string)', async () => {
    const keys = async (title: string) => ((await proofOf(title)).final['registry'] as { keys: Record<string, { values: Record<string, unknown> }> }).keys;
    expect((await keys('REG_BINARY replaced by a string, restored byte for byte'))['HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion']!.values['DigitalProductId']).toEqual({ kind: 'Binary', data: [164, 0, 0, 0, 3, 0, 0, 0] });
    expect((await keys('REG_EXPAND_SZ restored unexpanded'))['HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run']!.values['SecurityHealth']).toEqual({ kind: 'ExpandString', data: '%windir%\\system32\\SecurityHealthSystray.exe' });
    expect(Object.keys(await keys('new value under two new keys'))).not.toContain('HKEY_LOCAL_MACHINE\\SOFTWARE\\Chaoslab');
  }, PROOF_TIMEOUT);
});

describe.concurrent('what cannot be told is a probe error, never compliant and never drifted', () => {
  const PROBES: [string, string, Record<string, unknown>, ModelState][] = [
    ['registry key unreadable', 'windows.run_key_persistence', {}, { unreadable: ['registry:HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run'] }],
    ['Task Scheduler CIM failure', 'windows.scheduled_task_persistence', {}, { cimFailure: ['MSFT_ScheduledTask'] }],
    ['service unreadable', 'windows.service_state', { service: 'W32Time' }, { unreadable: ['service:W32Time'] }],
    ['local accounts unreadable', 'windows.guest_account_enabled', {}, { unreadable: ['user:*'] }],
    ['Defender exclusions hidden from a non-administrator', 'windows.defender_exclusion', {}, { unreadable: ['defender:exclusions'] }],
  ];

  it.each(PROBES)('%s', async (_title, fault, params, state) => {
    const { outcome } = await checkInModel(fault, params, { role: 'srv', ...state });
    expect(outcome.kind).toBe('probe_error');
  }, PROOF_TIMEOUT);
});

describe('refusals and hosts that cannot take the fault', () => {
  it('a registry key whose ACL refuses writes: inject fails with the provider error, nothing changes', async () => {
    const fault = getFault('windows.run_key_persistence')!;
    const state = { role: 'srv', denied: ['registry:HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run'] };
    const run = await runInModel(fault.build(fault.params.parse({})).inject, { state });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain('Requested registry access is not allowed.');
    expect(JSON.stringify(run.state)).not.toContain('ChaoslabUpdater');
  }, PROOF_TIMEOUT);

  it('Defender not installed, Guest on a domain controller: not applicable (exit 1)', async () => {
    const defender = getFault('windows.defender_exclusion')!;
    const guest = getFault('windows.guest_account_enabled')!;
    const [noDefender, dc] = await Promise.all([
      runInModel(defender.build(defender.params.parse({})).applicable!, { role: 'srv', state: { defender: { installed: false, antivirusEnabled: false, exclusionPath: [] } } }),
      runInModel(guest.build(guest.params.parse({})).applicable!, { role: 'dc' }),
    ]);
    expect(noDefender.exitCode).toBe(1);
    // the verdict marker carries the reason (its nonce is empty: the script ran unarmed here)
    expect(noDefender.stdout.trim()).toMatch(/not_applicable Defender not active: the Defender cmdlets are not installed$/);
    expect(dc.exitCode).toBe(1);
    expect(dc.stdout).toContain('a domain controller');
  }, PROOF_TIMEOUT);
});

describe('the scripts are no more convenient on Windows than in the model', () => {
  const SYSTEM_FAULTS = ['windows.registry_value', 'windows.run_key_persistence', 'windows.scheduled_task_persistence', 'windows.service_state', 'windows.guest_account_enabled', 'windows.defender_exclusion'];
  // The verdict marker's own `.Trim()` of a string (a core type, allowed in ConstrainedLanguage) belongs to the check contract (harness/quoting).
  const contract = (script: string) => script.replace(/\[Console\]::(Error|Out)\.WriteLine\(/g, '(').replaceAll('$_.ToString()', '$_').replaceAll(").Trim())", "))");

  it('call .NET methods only on the FullLanguage branch (ConstrainedLanguage refuses them on non-core types)', () => {
    for (const name of SYSTEM_FAULTS) {
      const fault = getFault(name)!;
      for (const type of ['String', 'ExpandString', 'DWord', 'MultiString']) {
        const params = name === 'windows.registry_value' ? { path: 'HKLM:\\SOFTWARE\\X', name: 'n', value: 'v', type } : name === 'windows.service_state' ? { service: 'W32Time' } : {};
        const built = fault.build(fault.params.parse(params));
        for (const script of [built.applicable ?? '', built.snapshot ?? '', built.inject, built.check, built.revert('{}')]) {
          const lines = splitLiterals(contract(script)).code.split('\n');
          lines.forEach((line, i) => {
            if (!/[\w\])]\.\w+\(|\]::\w+/.test(line)) return;
            expect(lines[i - 1], `${name}: ${line}`).toContain('$ExecutionContext.SessionState.LanguageMode -eq');
          });
        }
      }
    }
  });
});

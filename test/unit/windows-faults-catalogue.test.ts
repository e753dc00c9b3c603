import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../harness/config/load-project.js';
import { planRun } from '../../harness/engine/plan.js';
import { tempDir } from '../support/tmp.js';

/** The Windows catalogue as the loader and planner see it, and the guard refusing management-plane faults. */
const REFERENCE_RUN = [
  ['win-dc-firewall', 'dc', 'firewall_status', 'RB-WIN-SEC-001'],
  ['win-ws-firewall', 'ws', 'firewall_status', 'RB-WIN-SEC-001'],
  ['win-srv-firewall', 'srv', 'firewall_status', 'RB-WIN-SEC-001'],
  ['win-dc-dns', 'dc', 'dns_config', 'RB-WIN-NET-001'],
  ['win-dc-smb-signing', 'dc', 'smb_signing', 'RB-WIN-SEC-007'],
  ['win-ws-network-profile', 'ws', 'network_profile', 'RB-WIN-NET-003'],
  ['win-srv-scheduled-task', 'srv', 'scheduled_task_persistence', 'RB-WIN-SEC-018'],
  ['win-ws-registry-run', 'ws', 'registry_run_persistence', 'RB-WIN-SEC-019'],
];

const LINUX_ONLY_LAB = `kind: lab
name: linux-only
hosts:
  - name: lin01
    platform: linux
    address: 192.0.2.31
    roles: [linux]
    transport: { kind: ssh, user: root, key: env:KEY, insecure_host_key: true }
`;

/** A lab of Windows hosts reached over WinRM, one role each. */
function adLab(...hosts: [name: string, role: string][]): string {
  const entries = hosts.map(([name, role]) => `  - name: ${name}
    platform: windows
    address: 192.0.2.32
    roles: [${role}]
    transport: { kind: winrm, user: 'LAB\\chaoslab', password: env:P }
`);
  return `kind: lab\nname: ad\nhosts:\n${entries.join('')}`;
}

describe('Windows scenarios of the reference run', () => {
  it('load against the example AD lab with the catalogue check types and runbooks', async () => {
    const project = await loadProject({ scenarioPaths: ['scenarios/windows'], labPath: 'lab/examples/windows-ad-lab.yaml' });
    const rows = project.catalogue.scenarios.map((s) => [s.config.id, s.config.target, s.config.check_type, s.config.expect.runbook]);
    expect(rows.sort()).toEqual([...REFERENCE_RUN].sort());
    expect(project.catalogue.scenarios.every((s) => s.config.platform === 'windows' && s.config.expect.outcome === 'heal' && s.config.expect.tier === 'L1')).toBe(true);
    const plan = planRun(project.catalogue, project.lab!);
    expect(plan.attempts.map((a) => [a.scenario.config.id, a.host?.name]).sort()).toEqual(
      REFERENCE_RUN.map(([id, role]) => [id, { dc: 'dc01', ws: 'ws01', srv: 'srv01' }[role!]]).sort(),
    );
  });

  it('are skipped as platform_unavailable on a lab without Windows hosts', async () => {
    await using dir = await tempDir('win-catalogue-');
    const lab = join(dir.path, 'lab.yaml');
    await writeFile(lab, LINUX_ONLY_LAB);
    const project = await loadProject({ scenarioPaths: ['scenarios/windows'], labPath: lab });
    const plan = planRun(project.catalogue, project.lab!);
    expect(plan.attempts).toHaveLength(8);
    expect(plan.attempts.every((a) => a.skip?.reason === 'platform_unavailable')).toBe(true);
  });

  it('refuses a scenario whose service fault would stop WinRM (CHAOSLAB_UNSAFE_FAULT)', async () => {
    await using dir = await tempDir('win-guard-');
    const lab = join(dir.path, 'lab.yaml');
    const scenario = join(dir.path, 'win-stop-winrm.yaml');
    await writeFile(lab, adLab(['dc01', 'dc']));
    await writeFile(scenario, `id: win-stop-winrm
title: Stop WinRM
platform: windows
target: dc
check_type: service_state
sla: 1m
window: 2m
expect: { outcome: heal }
fault: { use: windows.service_state, with: { service: WinRM, state: disabled } }
`);
    await expect(loadProject({ scenarioPaths: [scenario], labPath: lab })).rejects.toMatchObject({
      code: 'CHAOSLAB_UNSAFE_FAULT',
      message: expect.stringMatching(/win-stop-winrm\.yaml:\d+:\d+ fault\.use: unsafe fault: windows\.service_state touches the management plane of host dc01: service WinRM/),
    });
  });

  it('refuses enabling the Guest account on a domain controller (the domain Guest), allows it on a workstation', async () => {
    await using dir = await tempDir('win-guard-');
    const lab = join(dir.path, 'lab.yaml');
    await writeFile(lab, adLab(['dc01', 'dc'], ['ws01', 'ws']));
    const scenario = (target: string) => `id: win-guest-${target}
title: Guest enabled
platform: windows
target: ${target}
check_type: guest_account
sla: 1m
window: 2m
expect: { outcome: heal }
fault: { use: windows.guest_account_enabled }
`;
    await writeFile(join(dir.path, 'dc.yaml'), scenario('dc'));
    await writeFile(join(dir.path, 'ws.yaml'), scenario('ws'));
    await expect(loadProject({ scenarioPaths: [join(dir.path, 'dc.yaml')], labPath: lab })).rejects.toMatchObject({
      code: 'CHAOSLAB_UNSAFE_FAULT',
      message: expect.stringMatching(/dc\.yaml:\d+:\d+ fault\.use: unsafe fault: windows\.guest_account_enabled touches the management plane of host dc01: account Guest/),
    });
    await expect(loadProject({ scenarioPaths: [join(dir.path, 'ws.yaml')], labPath: lab })).resolves.toBeDefined();
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostSchema } from '../../harness/config/lab-schema.js';
import { loadProject } from '../../harness/config/load-project.js';
import { mayBeStopped } from '../../harness/config/windows-protect.js';
import { ConfigError, formatIssue } from '../../harness/core/errors.js';

/**
 * The Windows management plane at `chaoslab validate`: a service fault on
 * Netlogon is refused on every Windows host (chaoslab's domain login needs it);
 * the directory's services only on domain controllers, which the inventory
 * marks with a role `dc`, `domain-controller` or `domain_controller`.
 */
const LAB = `kind: lab
name: win
hosts:
  - { name: dc01, platform: windows, roles: [windows, dc], address: 192.0.2.10, transport: { kind: winrm, user: chaoslab@LAB.TEST, password: env:P, auth: kerberos } }
  - { name: srv01, platform: windows, roles: [windows, srv], address: 192.0.2.11, transport: { kind: winrm, user: LAB\\\\chaoslab, password: env:P } }
  - { name: ws01, platform: windows, roles: [windows, ws], address: 192.0.2.12, transport: { kind: ssh, user: chaoslab, key: env:K, shell: powershell, insecure_host_key: true } }
`;

function scenario(id: string, service: string): string {
  return `kind: scenario
id: ${id}
title: ${service} stopped
platform: windows
target: windows
check_type: service_${id}
sla: 60s
window: 2m
expect: { outcome: heal }
fault:
  use: windows.service_state
  with: { service: ${service} }
`;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'windows-protect-'));
  await writeFile(join(dir, 'lab.yaml'), LAB);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function refusals(service: string): Promise<string[]> {
  const file = join(dir, `${service.toLowerCase()}.yaml`);
  await writeFile(file, scenario(service.toLowerCase(), service));
  try {
    await loadProject({ scenarioPaths: [file], labPath: join(dir, 'lab.yaml') });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.code).toBe('CHAOSLAB_UNSAFE_FAULT');
    return error.issues.map(formatIssue).map((line) => line.replace(`${dir}/`, ''));
  }
}

describe('Windows management plane at validate', () => {
  it('refuses stopping Netlogon on every Windows host, whatever its role or transport', async () => {
    expect(await refusals('Netlogon')).toEqual(
      ['dc01', 'srv01', 'ws01'].map((host) => `netlogon.yaml:11:8 fault.use: unsafe fault: windows.service_state touches the management plane of host ${host}: service Netlogon (protected; refusing to inject)`),
    );
  });

  it.each(['NTDS', 'Kdc', 'DNS', 'W32Time'])('refuses stopping %s on the domain controller only', async (service) => {
    expect(await refusals(service)).toEqual([
      `${service.toLowerCase()}.yaml:11:8 fault.use: unsafe fault: windows.service_state touches the management plane of host dc01: service ${service} (protected; refusing to inject)`,
    ]);
  });

  it('allows an ordinary service everywhere', async () => {
    expect(await refusals('Spooler')).toEqual([]);
  });
});

describe('doctor: a protected service a host may keep stopped', () => {
  const host = (user: string, roles: string[] = ['srv']) =>
    hostSchema.parse({ name: 'h', platform: 'windows', roles, address: 'h', transport: { kind: 'winrm', user, password: 'env:P' } });

  it('Netlogon, when the harness logs in with a local account (a workgroup host keeps it stopped)', () => {
    expect(mayBeStopped(host('chaoslab'), 'Netlogon')).toBe(true);
    expect(mayBeStopped(host('.\\chaoslab'), 'netlogon')).toBe(true);
  });

  it('not with a domain account, not on a domain controller, and no other service', () => {
    expect(mayBeStopped(host('LAB\\chaoslab'), 'Netlogon')).toBe(false);
    expect(mayBeStopped(host('chaoslab@lab.test'), 'Netlogon')).toBe(false);
    expect(mayBeStopped(host('chaoslab', ['dc']), 'Netlogon')).toBe(false);
    expect(mayBeStopped(host('chaoslab'), 'WinRM')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../harness/core/errors.js';
import type { ProtectSpec } from '../../harness/config/fields.js';
import { loadProject } from '../../harness/config/load-project.js';
import { commandTouches, footprintTouches } from '../../harness/config/validate-safety.js';
import { testFaultLookup } from '../fixtures/config/test-faults.js';

const BAD = 'test/fixtures/config/bad';
const LINUX_LAB = 'test/fixtures/config/lab-linux.yaml';

async function refusal(file: string): Promise<ConfigError> {
  const error = await loadProject({ scenarioPaths: [file], labPath: LINUX_LAB, faults: testFaultLookup }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ConfigError)) throw new Error(`expected ${file} to be refused`);
  return error;
}

describe('management-plane guard at validation', () => {
  it('refuses a built-in fault whose footprint includes a protected port, on every host it could land on', async () => {
    const error = await refusal(`${BAD}/unsafe-port.yaml`);
    expect(error.code).toBe('CHAOSLAB_UNSAFE_FAULT');
    expect(error.issues.map(formatIssue)).toEqual(
      ['web-1', 'web-2'].map((host) => `${BAD}/unsafe-port.yaml:10:8 fault.use: unsafe fault: linux.sshd_option touches the management plane of host ${host}: port 22 (protected; refusing to inject)`),
    );
  });

  it('refuses a built-in fault that stops a protected service', async () => {
    const error = await refusal(`${BAD}/unsafe-service.yaml`);
    expect(error.code).toBe('CHAOSLAB_UNSAFE_FAULT');
    expect(error.issues.map(formatIssue)[0]).toBe(
      `${BAD}/unsafe-service.yaml:10:8 fault.use: unsafe fault: linux.service_stopped touches the management plane of host web-1: service ssh (protected; refusing to inject)`,
    );
  });

  it('refuses explicit steps that stop a lab-wide protected service, and says it is a heuristic', async () => {
    const error = await refusal(`${BAD}/unsafe-steps.yaml`);
    expect(error.code).toBe('CHAOSLAB_UNSAFE_FAULT');
    expect(error.issues[0]!.line).toBe(10);
    expect(error.issues[0]!.path).toBe('steps.inject');
    expect(error.issues[0]!.message).toContain('service healer');
    expect(error.issues[0]!.message).toContain('heuristic scan');
  });

  it('other config problems keep the ordinary code', async () => {
    expect((await refusal(`${BAD}/target-no-host.yaml`)).code).toBe('CHAOSLAB_CONFIG_INVALID');
  });
});

const PLANE: ProtectSpec = { ports: [22, 5986], services: ['ssh', 'WinRM'], accounts: ['chaoslab'], paths: ['/opt/healer'] };

function scan(inject: string, revert = 'true'): string[] {
  return commandTouches({ inject, check: 'true', revert }, PLANE).map((touch) => touch.what);
}

describe('command heuristic', () => {
  it('flags protected services next to verbs that stop them, in any segment of the command', () => {
    expect(scan('touch /tmp/x && systemctl stop ssh')).toEqual(['service ssh']);
    expect(scan('Stop-Service -Name WinRM -Force')).toEqual(['service WinRM']);
    expect(scan('true', 'systemctl disable ssh.service')).toEqual(['service ssh']);
    expect(scan('pkill -9 sshd')).toEqual(['service ssh']);
    expect(scan("Disable-NetFirewallRule -DisplayGroup 'Windows Remote Management'")).toEqual(['service WinRM']);
  });

  it('does not flag restarts, reloads or names that merely contain the service name', () => {
    expect(scan('sed -i s/yes/no/ /etc/ssh/sshd_config; systemctl reload ssh')).toEqual([]);
    expect(scan('systemctl stop sshguard')).toEqual([]);
  });

  it('flags firewall commands on protected ports and default-drop input policies', () => {
    expect(scan('iptables -A INPUT -p tcp --dport 22 -j DROP')).toEqual(['port 22']);
    expect(scan('iptables -P INPUT DROP')).toEqual(['port 22', 'port 5986']);
    expect(scan('iptables -A INPUT -p tcp --dport 2222 -j DROP')).toEqual([]);
    expect(scan('echo 22 > /tmp/port')).toEqual([]);
  });

  it('flags account changes of protected accounts and writes to protected paths', () => {
    expect(scan('usermod -L chaoslab')).toEqual(['account chaoslab']);
    expect(scan('rm -rf /opt/healer/rules')).toEqual(['path /opt/healer']);
    expect(scan('cat /opt/healer/rules.yaml')).toEqual([]);
  });
});

describe('declared footprints', () => {
  it('compares ports, services (ignoring .service and case), accounts and overlapping paths', () => {
    const touches = footprintTouches({ ports: [22, 80], services: ['SSH.service'], accounts: ['Chaoslab'], paths: ['/opt'] }, PLANE).map((t) => t.what);
    expect(touches).toEqual(['port 22', 'service SSH.service', 'account Chaoslab', 'path /opt/healer']);
    expect(footprintTouches({ ports: [80], paths: ['/opt/healer-backup'] }, PLANE)).toEqual([]);
  });
});

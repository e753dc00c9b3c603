import { describe, expect, it } from 'vitest';
import { hostSchema } from '../../harness/config/lab-schema.js';
import { footprintTouches } from '../../harness/config/validate-safety.js';
import type { FaultDefinition } from '../../harness/faults/fault.js';
import { getFault, listFaults } from '../../harness/faults/registry.js';
import { defaultWindowsProtect } from '../../harness/config/windows-protect.js';
import { windowsFaults } from '../../harness/faults/windows/index.js';
import { splitLiterals } from '../support/winrm-server/powershell-literals.js';
import { psVerdictExit } from '../../harness/quoting/powershell.js';

/** Values a careless builder would break on: quotes (incl. typographic), `$`, backticks, newlines. */
const NASTY = "O'Brien ‘q’ $(Remove-Item C:\\) `whoami` \"dq\"\nline2; exit 9";
/** Task names cannot hold a backslash (it separates folders). */
const NASTY_NAME = NASTY.replace('C:\\', 'C:');
const NASTY_SNAPSHOT = `{"value":"it's $(evil) \`n ‘x’","existed":true}`;

/** Params per fault: the nastiest values each one's schema admits. */
const NASTY_PARAMS: Record<string, Record<string, unknown>> = {
  'windows.firewall_profiles_off': { profiles: ['Domain', 'Public'] },
  'windows.dns_client_hijack': { interface_alias: NASTY, servers: ['192.0.2.53', '198.51.100.7'] },
  'windows.smb_signing_not_required': {},
  'windows.registry_value': { path: `HKLM:\\SOFTWARE\\Chaos'Lab $x \`y`, name: NASTY, value: NASTY, type: 'String' },
  'windows.run_key_persistence': { hive: 'HKCU', name: NASTY, command: NASTY },
  'windows.scheduled_task_persistence': { name: NASTY_NAME, folder: "\\Chaos'$x`\\", execute: NASTY, arguments: NASTY, trigger: 'daily' },
  'windows.network_profile_public': { interface_alias: NASTY },
  'windows.defender_exclusion': { path: `C:\\Chaos'$(x)\`\n` },
  'windows.service_state': { service: 'Chaos$Svc', state: 'disabled' },
  'windows.audit_policy_disabled': { subcategory: 'Other Logon/Logoff Events' },
  'windows.guest_account_enabled': {},
};

function build(fault: FaultDefinition, params: Record<string, unknown>) {
  const parsed = fault.params.parse(params);
  const commands = fault.build(parsed);
  const applicable = commands.applicable === undefined ? {} : { applicable: commands.applicable };
  return { parsed, commands, scripts: { ...applicable, snapshot: commands.snapshot ?? '', inject: commands.inject, check: commands.check, revert: commands.revert(NASTY_SNAPSHOT) } };
}

const windowsHost = (transport: Record<string, unknown>) =>
  hostSchema.parse({ name: 'dc01', platform: 'windows', roles: ['dc'], transport: { kind: 'winrm', user: 'LAB\\chaoslab', password: 'env:P', ...transport } });

describe('Windows fault library', () => {
  it('registers every fault under windows.* with the registry', () => {
    const names = listFaults().filter((f) => f.platform === 'windows').map((f) => f.name);
    expect(names).toEqual(windowsFaults.map((f) => f.name).sort());
    expect(names).toHaveLength(11);
    expect(Object.keys(NASTY_PARAMS).sort()).toEqual(names);
  });

  describe.each(windowsFaults.map((f) => [f.name, f] as const))('%s', (name, fault) => {
    const { parsed, scripts } = build(fault, NASTY_PARAMS[name]!);

    it('produces the golden PowerShell for nasty parameters', async () => {
      const text = Object.entries(scripts).map(([step, script]) => `### ${step}\n${script}\n`).join('\n');
      await expect(text).toMatchFileSnapshot(`../fixtures/windows/${name.replace('windows.', '')}.ps1`);
    });

    it('keeps every free-text parameter and the snapshot inside single-quoted literals', () => {
      const values = Object.values(parsed).flat().filter((v): v is string => typeof v === 'string' && /['‘’$`\n"]/.test(v));
      const injected = splitLiterals(scripts.inject).literals;
      for (const value of values) expect(injected, `inject carries ${JSON.stringify(value)}`).toContain(value);
      for (const script of Object.values(scripts)) {
        // Outside literals, none of the parameter text survives as code.
        expect(splitLiterals(script).code).not.toMatch(/O'Brien|Remove-Item C:|whoami|exit 9|\$\(evil\)|Chaos'/);
      }
      expect(splitLiterals(scripts.revert).literals).toContain(NASTY_SNAPSHOT);
    });

    it('stops at the first error and prints its verdict as a marker; a check that errs says probe_error and exits 2, not 1', () => {
      for (const script of Object.values(scripts)) expect(script.startsWith("$ErrorActionPreference = 'Stop'\n")).toBe(true);
      expect(scripts.check).toContain(`{ ${psVerdictExit('drifted')} } else { ${psVerdictExit('compliant')} }`);
      expect(scripts.check).toMatch(/^\$ErrorActionPreference = 'Stop'\ntry \{\n[^]*\n\} catch \{\n {2}Write-Output \('chaoslab-check ' \+ \$ChaoslabCheckNonce \+ ' probe_error ' [^\n]*; exit 2\n\}$/);
    });

    it('declares resources for the scheduler', () => {
      expect(fault.resources(parsed).length).toBeGreaterThan(0);
    });
  });

  it('applies documented defaults', () => {
    expect(getFault('windows.dns_client_hijack')!.params.parse({})).toEqual({ servers: ['192.0.2.53'] });
    expect(getFault('windows.firewall_profiles_off')!.params.parse({})).toEqual({ profiles: ['Domain', 'Private', 'Public'] });
    expect(getFault('windows.service_state')!.params.parse({ service: 'W32Time' })).toEqual({ service: 'W32Time', state: 'stopped' });
  });

  it.each([
    ['windows.dns_client_hijack', { servers: ['10.0.0.53'] }, /documentation address/],
    ['windows.dns_client_hijack', { servers: ['8.8.8.8'] }, /documentation address/],
    ['windows.audit_policy_disabled', { subcategory: 'Logon"; calc' }, /subcategory GUID/],
    ['windows.audit_policy_disabled', { subcategory: 'Anmelden' }, /subcategory GUID/],
    ['windows.registry_value', { path: 'SOFTWARE\\x', name: 'n', value: 'v' }, /registry path/],
    ['windows.service_state', { service: 'W32Time', state: 'paused' }, /stopped|disabled/],
    ['windows.firewall_profiles_off', { profiles: ['Everything'] }, /Domain|Private|Public/],
    ['windows.smb_signing_not_required', { extra: 1 }, /extra|Unrecognized/i],
  ] as const)('%s rejects %j', (name, params, message) => {
    expect(() => getFault(name)!.params.parse(params)).toThrow(message);
  });
});

describe('management-plane guard on Windows: the Guest account of a domain controller', () => {
  const guest = getFault('windows.guest_account_enabled')!;
  const touchesGuest = (roles: string[]) =>
    footprintTouches(guest.footprint(guest.params.parse({})), defaultWindowsProtect(hostSchema.parse({ name: 'h', platform: 'windows', roles, transport: { kind: 'winrm', user: 'LAB\\chaoslab', password: 'env:P' } }))).map((t) => t.what);

  it.each([['dc'], ['DC', 'windows'], ['domain-controller']])('is refused on a host with role %s', (...roles) => {
    expect(touchesGuest(roles)).toEqual(['account Guest']);
  });

  it('is allowed on workstations and member servers', () => {
    expect(touchesGuest(['ws', 'windows'])).toEqual([]);
    expect(touchesGuest(['srv'])).toEqual([]);
  });
});

describe('management-plane guard on Windows', () => {
  const host = windowsHost({ scheme: 'https' });
  const plane = defaultWindowsProtect(host);
  const touches = (name: string, params: Record<string, unknown>) => {
    const fault = getFault(name)!;
    return footprintTouches(fault.footprint(fault.params.parse(params)), plane).map((t) => t.what);
  };

  it('protects WinRM, HTTP.sys, sshd, the listener ports, the firewall rules and the harness account', () => {
    // dc01 is a domain controller: the directory's services are protected too (test/unit/windows-protect.test.ts)
    expect(plane.services).toEqual(['WinRM', 'HTTP', 'sshd', 'Netlogon', 'NTDS', 'Kdc', 'DNS', 'W32Time']);
    expect(plane.ports).toEqual(expect.arrayContaining([5985, 5986, 22]));
    // dc01 has the dc role: its built-in Guest is the domain's
    expect(plane.accounts).toEqual(['LAB\\chaoslab', 'chaoslab', 'Guest']);
    expect(plane.paths).toContain('firewall-rule:WINRM-HTTP-In-TCP');
    expect(defaultWindowsProtect(windowsHost({ scheme: 'http', auth: 'ntlm', port: 15985 })).ports).toContain(15985);
  });

  it('refuses a service fault on WinRM or sshd, allows W32Time and DNS on a member server', () => {
    expect(touches('windows.service_state', { service: 'WinRM' })).toEqual(['service WinRM']);
    expect(touches('windows.service_state', { service: 'winrm', state: 'disabled' })).toEqual(['service winrm']);
    expect(touches('windows.service_state', { service: 'sshd' })).toEqual(['service sshd']);
    const member = defaultWindowsProtect(hostSchema.parse({ name: 'srv01', platform: 'windows', roles: ['srv'], transport: { kind: 'winrm', user: 'LAB\\chaoslab', password: 'env:P' } }));
    const fault = getFault('windows.service_state')!;
    for (const service of ['W32Time', 'DNS']) expect(footprintTouches(fault.footprint(fault.params.parse({ service })), member)).toEqual([]);
  });

  it('refuses registry faults under the WinRM configuration and account faults on the harness account', () => {
    expect(touches('windows.registry_value', { path: 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WSMAN\\Service', name: 'allow_unencrypted', value: 0, type: 'DWord' })).toHaveLength(1);
    expect(touches('windows.registry_value', { path: 'HKLM:\\SOFTWARE\\Chaoslab', name: 'x', value: 'y' })).toEqual([]);
    expect(touches('windows.registry_value', { path: 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service', name: 'x', value: 'y' })).toHaveLength(1);
  });
});

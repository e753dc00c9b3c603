import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadLabFile, loadProject } from '../../harness/config/load-project.js';
import { faultCommands } from '../../harness/engine/commands.js';
import type { FaultCommands } from '../../harness/faults/fault.js';
import { getFault } from '../../harness/faults/registry.js';
import { psVerdictExit } from '../../harness/quoting/powershell.js';
import { splitLiterals } from '../support/winrm-server/powershell-literals.js';

/**
 * The Windows faults as real hosts behave (no Windows here: scripts are
 * checked as text, and the parts a host's answer flows through are replayed
 * on recorded-shape fixtures).
 */
function commands(name: string, params: Record<string, unknown> = {}): FaultCommands & { all: string[] } {
  const fault = getFault(name)!;
  const built = fault.build(fault.params.parse(params));
  return { ...built, all: [built.applicable ?? '', built.snapshot ?? '', built.inject, built.check, built.revert('{}')] };
}

/** RFC 4180 fields of one CSV line (auditpol quotes names that hold commas). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    if (quoted && char === '"' && line[i + 1] === '"') (field += '"'), (i += 1);
    else if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted) fields.push(field), (field = '');
    else field += char;
  }
  return [...fields, field];
}

/**
 * Replays what the generated check does with `auditpol /backup`'s CSV, reading
 * the column names, the GUID compared, the value column and the bit mask out
 * of the script itself: skip the header line, name the columns by position,
 * take the GUID's row (PowerShell's -eq ignores case), test the bits.
 */
function replayAuditCheck(check: string, csv: string): { setting: number; drifted: boolean } | 'no row: probe error' {
  const header = /ConvertFrom-Csv -Header (.+?) \|/.exec(check)![1]!;
  const columns = splitLiterals(header).literals;
  const [, keyColumn, guid] = /\$_\.(\w+) -eq '(\{[0-9A-F-]+\})'/.exec(check)!;
  const valueColumn = /\[int\]\$row\.(\w+)/.exec(check)![1]!;
  const mask = Number(/\(\$setting -band (\d+)\) -ne 0/.exec(check)![1]);
  const skip = Number(/Select-Object -Skip (\d+)/.exec(check)![1]);
  const rows = csv.split(/\r?\n/).filter(Boolean).slice(skip).map((line) => Object.fromEntries(csvFields(line).map((value, i) => [columns[i], value])));
  const row = rows.find((r) => r[keyColumn!]?.toLowerCase() === guid!.toLowerCase());
  if (!row) return check.includes('if ($null -eq $row) { throw ') ? 'no row: probe error' : { setting: 0, drifted: true };
  const setting = Number(row[valueColumn]);
  return { setting, drifted: (setting & mask) === 0 };
}

describe('audit policy: subcategory GUIDs and numeric settings, on any display language', () => {
  const fixtures = {
    de: readFileSync(new URL('../fixtures/windows/auditpol/backup-de.csv', import.meta.url), 'utf8'),
    es: readFileSync(new URL('../fixtures/windows/auditpol/backup-es.csv', import.meta.url), 'utf8'),
  };

  it.each([
    ['de', 'Logon', 3, false],
    ['de', 'Logoff', 1, false],
    ['de', 'Special Logon', 0, true],
    ['de', 'Other Logon/Logoff Events', 2, false],
    ['es', 'Logon', 0, true],
    ['es', 'Account Lockout', 2, false],
    ['es', '{0CCE922B-69AE-11D9-BED3-505054503030}', 3, false],
  ] as const)('%s backup, %s → setting %i, drifted %s', (language, subcategory, setting, drifted) => {
    expect(replayAuditCheck(commands('windows.audit_policy_disabled', { subcategory }).check, fixtures[language])).toEqual({ setting, drifted });
  });

  it('a subcategory without a row is a probe error, not "no auditing" (/backup writes every subcategory it knows)', () => {
    expect(replayAuditCheck(commands('windows.audit_policy_disabled', { subcategory: 'Credential Validation' }).check, fixtures.es)).toBe('no row: probe error');
  });

  it('compares no localised word: no English or fixture name, setting or header text in any script', () => {
    const words = ['No Auditing', 'Success', 'Failure', 'Inclusion Setting', 'Setting Value', 'Logon', 'Anmelden', 'Erfolg', 'Keine', 'Inicio de sesión', 'Aciertos', 'Sin auditoría'];
    for (const subcategory of ['Logon', 'Other Logon/Logoff Events']) {
      const { all } = commands('windows.audit_policy_disabled', { subcategory });
      // auditpol's switches (/success:enable) and the scripts' own variables are not output text
      const text = all.map((script) => script.replace(/\/(success|failure):\$?\w+|\$(success|failure)\b/gi, '')).join('\n').toLowerCase();
      for (const word of words) expect(text, `${subcategory}: ${word}`).not.toContain(word.toLowerCase());
    }
  });

  it('reverts from the number: bit 1 → /success:enable, bit 2 → /failure:enable', () => {
    const revert = commands('windows.audit_policy_disabled').revert('{"setting":2}');
    expect(revert).toContain("$success = if (([int]$snapshot.setting -band 1) -ne 0) { 'enable' } else { 'disable' }");
    expect(revert).toContain("$failure = if (([int]$snapshot.setting -band 2) -ne 0) { 'enable' } else { 'disable' }");
    expect(revert).toContain("'/subcategory:{0CCE9215-69AE-11D9-BED3-505054503030}'");
    expect(revert).not.toMatch(/-match/);
  });

  it('checks auditpol\'s own exit code, so a failed backup is a probe error, not "no auditing"', () => {
    expect(commands('windows.audit_policy_disabled').check).toMatch(/& auditpol\.exe \/backup "\/file:\$file" \| Out-Null\n {2}if \(\$LASTEXITCODE -ne 0\) \{ throw/);
  });
});

describe('firewall: the effective (ActiveStore) state, and GPO-managed profiles are not applicable', () => {
  const firewall = commands('windows.firewall_profiles_off', { profiles: ['Domain'] });

  it('checks the ActiveStore, where Group Policy wins; changes only the local store', () => {
    expect(firewall.check).toContain("Get-NetFirewallProfile -PolicyStore ActiveStore -Name 'Domain'");
    expect(firewall.inject).not.toContain('PolicyStore');
  });

  it('preflight: a profile whose state a GPO sets says "GPO-managed" (exit 1: not applicable); an unreadable RSOP store is not "applicable"', () => {
    expect(firewall.applicable).toContain("Get-NetFirewallProfile -PolicyStore RSOP | Where-Object { @('Domain') -contains $_.Name -and [string]$_.Enabled -ne 'NotConfigured' }");
    expect(firewall.applicable).not.toContain('SilentlyContinue');
    expect(firewall.applicable).toContain(psVerdictExit('not_applicable', "'GPO-managed: Group Policy sets the firewall state of these profiles'"));
    expect(firewall.applicable).toContain(psVerdictExit('applicable'));
  });
});

describe('hosts that cannot take the fault say so in preflight', () => {
  it('network profile: a host whose networks are all DomainAuthenticated', () => {
    const { applicable } = commands('windows.network_profile_public');
    expect(applicable).toContain("@(Get-NetConnectionProfile | Where-Object { [string]$_.NetworkCategory -ne 'DomainAuthenticated' }).Count -eq 0");
    expect(applicable).toContain('second, non-domain adapter');
    expect(applicable).toContain('Public already');
    expect(commands('windows.network_profile_public', { interface_alias: 'Ethernet0' }).applicable).toContain("Get-NetConnectionProfile -InterfaceAlias 'Ethernet0') | Where-Object { [string]$_.NetworkCategory -eq 'DomainAuthenticated' }");
  });

  it('dns_client_hijack: the domain interface (DomainAuthenticated, else the only adapter), never the route metric; none found → not applicable, and an error in the check is a probe error', () => {
    const dns = commands('windows.dns_client_hijack');
    for (const script of dns.all.slice(0, 4)) expect(script).not.toContain('Get-NetRoute');
    expect(dns.applicable).toContain("Where-Object { [string]$_.NetworkCategory -eq 'DomainAuthenticated' }");
    expect(dns.applicable).toContain('set interface in the scenario');
    expect(dns.check).toContain('if ($null -eq $alias) { throw $why }');
    expect(dns.check).toContain(`} catch {\n  ${psVerdictExit('probe_error', "'check failed: ' + $_")}`);
    expect(commands('windows.dns_client_hijack', { interface_alias: 'Ethernet 2' }).check).toContain("$alias = 'Ethernet 2'");
    expect(() => getFault('windows.dns_client_hijack')!.params.parse({ interface: 'A', interface_alias: 'B' })).toThrow(/former name/);
  });

  it('dns_client_hijack touches IPv4 only: no -ResetServerAddresses (it resets IPv6 too), DHCP back through netsh ipv4', () => {
    const dns = commands('windows.dns_client_hijack');
    for (const script of dns.all) expect(script).not.toContain('ResetServerAddresses');
    expect(dns.revert('{}')).toContain('& netsh.exe interface ipv4 set dnsservers "name=$($ip.InterfaceIndex)" source=dhcp');
  });

  it('defender_exclusion: Defender not active (cmdlets missing, WinDefend stopped, antivirus disabled)', () => {
    const { applicable } = commands('windows.defender_exclusion');
    // wildcards that match nothing are no error, so nothing is silenced: an access error stays a probe error
    expect(applicable).toContain("$null -eq (Get-Command -Name 'Get-MpComputerStatu[s]')");
    expect(applicable).toContain("Get-Service -Name 'WinDefend*' | Where-Object { $_.Name -eq 'WinDefend' -and [string]$_.Status -eq 'Running' }");
    expect(applicable).not.toContain('SilentlyContinue');
    expect(applicable).toContain('-not (Get-MpComputerStatus).AntivirusEnabled');
    expect(applicable!.match(/Defender not active/g)).toHaveLength(3);
  });
});

describe('guest account: by its well-known SID, never on a domain controller', () => {
  const guest = commands('windows.guest_account_enabled');

  it('finds the account by RID 501, not by its (localised, renameable) name', () => {
    for (const script of guest.all.slice(1)) expect(script).not.toMatch(/-Name\s+'?Guest/i);
    expect(guest.check).toContain("Get-LocalUser | Where-Object { $_.SID.Value -like 'S-1-5-21-*-501' }");
    expect(guest.inject).toContain('Enable-LocalUser -SID $guest.SID');
    expect(guest.revert('{"enabled":false}')).toContain('Disable-LocalUser -SID $guest.SID');
  });

  it('preflight refuses a domain controller the inventory does not call one', () => {
    expect(guest.applicable).toContain('(Get-CimInstance -ClassName Win32_ComputerSystem).DomainRole -ge 4');
  });

  it('takes no account name any more', () => {
    expect(() => getFault('windows.guest_account_enabled')!.params.parse({ account: 'Gast' })).toThrow(/account/);
  });
});

describe('registry: HKU:, HKCR: and HKCC: through the Registry provider', () => {
  it.each([
    ['HKU:\\S-1-5-19\\Software\\Chaoslab', "'Registry::HKEY_USERS\\S-1-5-19\\Software\\Chaoslab'"],
    ['HKCR:\\.chaoslab', "'Registry::HKEY_CLASSES_ROOT\\.chaoslab'"],
    ['HKCC:\\Software\\Chaoslab', "'Registry::HKEY_CURRENT_CONFIG\\Software\\Chaoslab'"],
    ['HKLM:\\SOFTWARE\\Chaoslab', "'HKLM:\\SOFTWARE\\Chaoslab'"],
  ])('%s', (path, provider) => {
    const { all } = commands('windows.registry_value', { path, name: 'n', value: 'v' });
    for (const script of all.slice(1)) {
      expect(script).toContain(provider);
      expect(script).not.toMatch(/'HK(U|CR|CC):/);
    }
  });
});

describe("a scenario's own PowerShell check step under the check contract", () => {
  it('is wrapped so an error that ends it exits 2, and its own exit 1 / exit 0 pass through untouched', async () => {
    const { catalogue } = await loadProject({ scenarioPaths: ['test/fixtures/config/steps-only/windows'] });
    const lab = (await loadLabFile('test/fixtures/config/lab-mixed.yaml')).lab!.config;
    const host = lab.hosts.find((h) => h.platform === 'windows')!;
    const check = faultCommands(catalogue.scenarios[0]!, host).check;
    expect(check).toBe(['try {', "Invoke-Expression -Command 'if ((Get-LocalUser -Name Guest).Enabled) { exit 1 }'", '} catch {', `  ${psVerdictExit('probe_error', "'check failed: ' + $_")}`, '}'].join('\n'));
  });
});

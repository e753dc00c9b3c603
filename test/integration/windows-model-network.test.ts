import { describe, expect, it } from 'vitest';
import { getFault } from '../../harness/faults/registry.js';
import { readCheck } from '../../harness/transport/check-outcome.js';
import { checkInModel, proveFault, type Role } from '../support/windows-model/prove.js';
import { modelBaseline, runInModel, type ModelState } from '../support/windows-model/run.js';

/**
 * The network-and-security half of the Windows fault library (firewall, DNS,
 * network profile, SMB signing, audit policy), every script run by real pwsh 7
 * against the Windows model, in FullLanguage and in ConstrainedLanguage (WDAC /
 * AppLocker): snapshot → compliant → inject → drifted → revert → compliant →
 * the model's state exactly as before; unreadable resources and failing CIM
 * providers read as "could not tell", never as compliant or drifted.
 */

/** At most three pwsh chains at once: each start costs over a second on a loaded 2-core machine. */
function pool(size: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}
const limit = pool(3);

type Interfaces = Record<string, { category: string; status: string; ipv4: Family; ipv6: Family; [key: string]: unknown }>;
interface Family {
  dhcp: string;
  dnsStatic: string[];
  dnsDhcp: string[];
  [key: string]: unknown;
}

const baselines = new Map<Role, Promise<ModelState>>();
/** A role's baseline (computed once), changed by `change` (a deep copy). */
async function hostState(role: Role, change: (state: ModelState) => void = () => {}): Promise<ModelState> {
  if (!baselines.has(role)) baselines.set(role, limit(() => modelBaseline(role)));
  const state = structuredClone(await baselines.get(role)!);
  change(state);
  return state;
}
const interfacesOf = (state: ModelState) => (state.network as { interfaces: Interfaces }).interfaces;

/** A workstation with a second, Private (non-domain) network: the only kind the network-profile fault can switch. */
const wsWithWifi = (state: ModelState) => {
  const nics = interfacesOf(state);
  nics['Wi-Fi'] = { ...structuredClone(nics['Ethernet']!), index: 17, guid: '{00000017-0000-4000-8000-00000000C1AB}', category: 'Private', profileName: 'Lab Wi-Fi', suffix: '' };
};

async function applicability(name: string, params: Record<string, unknown>, state: ModelState, constrained: boolean) {
  const fault = getFault(name)!;
  const run = await runInModel(fault.build(fault.params.parse(params)).applicable!, { state, constrained });
  return { run, outcome: readCheck({ ...run, durationMs: 0 }) };
}

type Proof = readonly [string, Record<string, unknown>, Role, boolean, ((state: ModelState) => void)?];
const BOTH = [false, true] as const;
const each = (name: string, params: Record<string, unknown>, role: Role, modes: readonly boolean[], change?: (state: ModelState) => void): Proof[] =>
  modes.map((constrained) => [name, params, role, constrained, change] as const);

/** A member server whose IPv6 DNS server is static (fd00::53) while IPv4 comes from DHCP. */
const srvWithStaticIPv6 = (state: ModelState) => {
  interfacesOf(state)['Ethernet']!.ipv6.dnsStatic = ['fd00::53'];
};
const language = (code: string) => (state: ModelState) => ((state.auditpol as { language: string }).language = code);

/**
 * Every parameter set the scenarios use (scenarios/windows: win-{dc,srv,ws}-firewall,
 * win-dc-dns, win-dc-smb-signing, win-ws-network-profile; the bundles use none of
 * these faults) and the defaults, on the roles they run on; each fault in both
 * language modes. (A pwsh start costs over a second on this machine: roles whose
 * model is the same for a fault get one mode each.)
 */
const PROOFS: readonly Proof[] = [
  ...each('windows.firewall_profiles_off', { profiles: ['Domain', 'Private', 'Public'] }, 'dc', BOTH),
  ...each('windows.firewall_profiles_off', { profiles: ['Domain', 'Private', 'Public'] }, 'srv', [true]),
  ...each('windows.firewall_profiles_off', {}, 'ws', [false]),
  ...each('windows.dns_client_hijack', { servers: ['192.0.2.53'] }, 'dc', BOTH),
  ...each('windows.dns_client_hijack', {}, 'srv', BOTH),
  ...each('windows.dns_client_hijack', {}, 'srv', [true], srvWithStaticIPv6),
  ...each('windows.dns_client_hijack', { interface: 'Ethernet', servers: ['198.51.100.7', '203.0.113.53'] }, 'ws', [true]),
  ...each('windows.dns_client_hijack', { interface_alias: 'Ethernet 2' }, 'dc', [false]),
  ...each('windows.smb_signing_not_required', {}, 'dc', BOTH),
  ...each('windows.network_profile_public', {}, 'ws', BOTH, wsWithWifi),
  ...each('windows.audit_policy_disabled', {}, 'srv', BOTH),
  ...each('windows.audit_policy_disabled', { subcategory: 'Special Logon' }, 'dc', [true], language('de')),
  ...each('windows.audit_policy_disabled', { subcategory: '{0CCE9217-69AE-11D9-BED3-505054503030}' }, 'ws', [false], language('es')),
];

/** Generous: tests wait for the pool, and one proof is eight pwsh runs. */
const PROOF_TIMEOUT = 30 * 60_000;

describe('Windows network-and-security faults in real pwsh against the model', () => {
  const proofs = new Map<string, ReturnType<typeof proveFault>>();
  const prove = (name: string, params: Record<string, unknown>, role: Role, constrained: boolean, change?: (state: ModelState) => void) => {
    const key = JSON.stringify([name, params, role, constrained, change?.name]);
    if (!proofs.has(key)) proofs.set(key, hostState(role, change).then((state) => limit(() => proveFault(name, params, { role, state, constrained }))));
    return proofs.get(key)!;
  };

  it.concurrent.each(PROOFS.map(([name, params, role, constrained, change]) => [`${name} ${JSON.stringify(params)} on ${role}${change ? ` (${change.name})` : ''}, constrained ${constrained}`, name, params, role, constrained, change] as const))(
    '%s: snapshot → compliant → inject → drifted → revert → compliant → state as before',
    async (_title, name, params, role, constrained, change) => {
      expect((await prove(name, params, role, constrained, change)).problems).toEqual([]);
    },
    PROOF_TIMEOUT,
  );

  it.concurrent(
    'DNS on the DC: the domain NIC is hijacked, not the NAT one holding the default route; IPv6 ::1 never moves',
    async () => {
      const proof = await prove('windows.dns_client_hijack', { servers: ['192.0.2.53'] }, 'dc', true);
      const injected = interfacesOf(proof.steps.find((step) => step.phase === 'inject')!.run.state);
      expect(injected['Ethernet 2']!.ipv4.dnsStatic).toEqual(['192.0.2.53']);
      expect(injected['Ethernet 2']!.ipv6.dnsStatic).toEqual(['::1']);
      expect(injected['Ethernet']!.ipv4).toEqual(interfacesOf(proof.baseline)['Ethernet']!.ipv4);
      expect(interfacesOf(proof.final)['Ethernet 2']).toEqual(interfacesOf(proof.baseline)['Ethernet 2']);
    },
    PROOF_TIMEOUT,
  );

  it.concurrent(
    'DNS on a DHCP host: revert returns IPv4 to DHCP and leaves a static IPv6 server static',
    async () => {
      const proof = await prove('windows.dns_client_hijack', {}, 'srv', true, srvWithStaticIPv6);
      const reverted = interfacesOf(proof.final)['Ethernet']!;
      expect(reverted.ipv4.dnsStatic).toEqual([]);
      expect(reverted.ipv6.dnsStatic).toEqual(['fd00::53']);
    },
    PROOF_TIMEOUT,
  );
});

const unreadable = (...resources: string[]) => (state: ModelState) => void (state.unreadable = resources);
const cimFailure = (...classes: string[]) => (state: ModelState) => void (state.cimFailure = classes);
const both = (...changes: ((state: ModelState) => void)[]) => (state: ModelState) => changes.forEach((change) => change(state));
const AUDIT_UNKNOWN = '{0CCE9999-69AE-11D9-BED3-505054503030}';

/** What a check meets when it cannot read: each must say "could not tell" (exit 2), never compliant or drifted. */
const PROBE_ERRORS: readonly (readonly [string, string, Record<string, unknown>, Role, (state: ModelState) => void, boolean])[] = [
  ['a firewall profile it may not read', 'windows.firewall_profiles_off', {}, 'srv', unreadable('firewall:Domain'), true],
  ['a failing firewall CIM provider', 'windows.firewall_profiles_off', {}, 'srv', cimFailure('MSFT_NetFirewallProfile'), false],
  ["the DC's domain NIC it may not read", 'windows.dns_client_hijack', {}, 'dc', unreadable('network:Ethernet 2'), true],
  ['a failing DNS client CIM provider', 'windows.dns_client_hijack', {}, 'dc', cimFailure('MSFT_DNSClientServerAddress'), true],
  ['connection profiles that cannot be read (the domain NIC cannot be found)', 'windows.dns_client_hijack', {}, 'dc', cimFailure('MSFT_NetConnectionProfile'), false],
  ['an SMB configuration it may not read', 'windows.smb_signing_not_required', {}, 'dc', unreadable('smb:server'), true],
  ['a failing SMB CIM provider', 'windows.smb_signing_not_required', {}, 'dc', cimFailure('MSFT_SmbServerConfiguration'), true],
  ['a network it may not read', 'windows.network_profile_public', {}, 'ws', both(wsWithWifi, unreadable('network:Wi-Fi')), true],
  ['a failing connection-profile CIM provider', 'windows.network_profile_public', {}, 'ws', both(wsWithWifi, cimFailure('MSFT_NetConnectionProfile')), true],
  ['auditpol without the privilege', 'windows.audit_policy_disabled', {}, 'srv', unreadable('auditpol'), true],
  ['an auditpol backup without a row for the GUID', 'windows.audit_policy_disabled', { subcategory: AUDIT_UNKNOWN }, 'srv', () => {}, true],
  ['an auditpol backup without a row for the GUID', 'windows.audit_policy_disabled', { subcategory: AUDIT_UNKNOWN }, 'srv', () => {}, false],
];

describe('checks that cannot read say so (probe_error)', () => {
  it.concurrent.each(PROBE_ERRORS)('%s: %s', async (_what, name, params, role, change, constrained) => {
    const state = await hostState(role, change);
    const { outcome, run } = await limit(() => checkInModel(name, params, state, constrained));
    expect(outcome.kind, `${run.stdout}\n${run.stderr}`).toBe('probe_error');
    expect(run.exitCode).toBe(2);
  }, PROOF_TIMEOUT);
});

describe('hosts that cannot take a fault say so in preflight (exit 1 and the reason)', () => {
  const gpoSetsDomain = (state: ModelState) => {
    (state.firewall as { profiles: Record<string, { gpo: string }> }).profiles.Domain!.gpo = 'True';
  };
  const nlaMissedTheDomain = (state: ModelState) => void (interfacesOf(state)['Ethernet 2']!.category = 'Public');

  it.concurrent.each([
    ['a GPO sets the firewall state', 'windows.firewall_profiles_off', {}, 'dc', gpoSetsDomain, /GPO-managed/],
    ['a DC whose domain NIC NLA did not authenticate (two NICs, none DomainAuthenticated)', 'windows.dns_client_hijack', {}, 'dc', nlaMissedTheDomain, /set interface/],
    ['an adapter that does not exist', 'windows.dns_client_hijack', { interface: 'Ethernet 9' }, 'dc', () => {}, /no network adapter named Ethernet 9/],
    ['a workstation whose only network is DomainAuthenticated', 'windows.network_profile_public', {}, 'ws', () => {}, /second, non-domain adapter/],
    ['a DC whose NAT network is Public already', 'windows.network_profile_public', {}, 'dc', () => {}, /Public already/],
    ['a member server that does not require SMB signing', 'windows.smb_signing_not_required', {}, 'srv', () => {}, /does not require signing already/],
  ] as const)('%s', async (_what, name, params, role, change, reason) => {
    const state = await hostState(role, change);
    const { outcome, run } = await limit(() => applicability(name, params, state, true));
    expect(run.exitCode, run.stderr).toBe(1);
    expect(outcome.kind).toBe('drifted');
    expect(run.stdout).toMatch(reason);
  }, PROOF_TIMEOUT);

  it.concurrent('why GPO-managed is not applicable: a local Set-NetFirewallProfile leaves the ActiveStore as the GPO says', async () => {
    const state = await hostState('dc', gpoSetsDomain);
    const fault = getFault('windows.firewall_profiles_off')!;
    const injected = await limit(() => runInModel(fault.build(fault.params.parse({ profiles: ['Domain'] })).inject, { state, constrained: true }));
    expect(injected.exitCode).toBe(0);
    const { outcome } = await limit(() => checkInModel('windows.firewall_profiles_off', { profiles: ['Domain'] }, injected.state, true));
    expect(outcome.kind).toBe('compliant');
  }, PROOF_TIMEOUT);
});

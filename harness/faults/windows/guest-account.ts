import { z } from 'zod';
import { psCheck, psScript } from '../../quoting/powershell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, notApplicableWhen, printJson } from './common.js';

/**
 * The footprint's name for the built-in Guest account. The management-plane
 * guard protects it on domain controllers (defaultWindowsProtect), where it is
 * the domain's Guest: enabling it is a domain-wide change.
 */
export const GUEST_ACCOUNT = 'Guest';

/** The local account with the well-known RID 501, whatever it is called (localised, often renamed). */
const FIND_GUEST = [
  "$guest = @(Get-LocalUser | Where-Object { $_.SID.Value -like 'S-1-5-21-*-501' }) | Select-Object -First 1",
  "if ($null -eq $guest) { throw 'no local account with the well-known RID 501 (Guest)' }",
].join('\n');

/** Win32_ComputerSystem.DomainRole 4 and 5: backup and primary domain controller. */
const IS_DOMAIN_CONTROLLER = '(Get-CimInstance -ClassName Win32_ComputerSystem).DomainRole -ge 4';

/** The built-in Guest account enabled. */
export const guestAccountEnabled = defineFault({
  name: 'windows.guest_account_enabled',
  platform: 'windows',
  summary: 'Enables the built-in Guest account (found by its well-known SID, *-501)',
  params: z.strictObject({}),
  resources: () => ['account:guest'],
  footprint: () => ({ accounts: [GUEST_ACCOUNT] }),
  build: () => ({
    // The guard refuses hosts with a DC role; this catches a DC the inventory does not call one.
    applicable: notApplicableWhen({ when: IS_DOMAIN_CONTROLLER, reason: 'a domain controller: its Guest is the domain Guest account (a domain-wide change)' }),
    snapshot: psScript(FIND_GUEST, printJson('[ordered]@{ enabled = [bool]$guest.Enabled }')),
    inject: psScript(FIND_GUEST, 'Enable-LocalUser -SID $guest.SID'),
    check: psCheck(FIND_GUEST, driftedWhen('$guest.Enabled')),
    revert: (snapshot) => psScript(loadSnapshot(snapshot), FIND_GUEST, 'if (-not $snapshot.enabled) { Disable-LocalUser -SID $guest.SID }'),
  }),
});

import { z } from 'zod';
import { psCheck, psScript } from '../../quoting/powershell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, notApplicableWhen, printJson } from './common.js';

/**
 * SMB server no longer requires message signing (relay attacks become possible).
 * A server that does not require signing already (the default on member
 * servers and workstations before Windows 11 24H2 / Server 2025; domain
 * controllers require it) has nothing to inject: the preflight says so instead
 * of a baseline check that reads "drifted". Set-SmbServerConfiguration asks for
 * confirmation, which a non-interactive session refuses: -Force.
 */
export const smbSigningNotRequired = defineFault({
  name: 'windows.smb_signing_not_required',
  platform: 'windows',
  summary: 'Sets the SMB server to not require signing (Set-SmbServerConfiguration -RequireSecuritySignature $false)',
  params: z.strictObject({}),
  resources: () => ['smb'],
  footprint: () => ({}),
  build: () => ({
    applicable: notApplicableWhen({
      when: '-not (Get-SmbServerConfiguration).RequireSecuritySignature',
      reason: 'the SMB server does not require signing already (the default outside domain controllers before Windows 11 24H2 / Server 2025)',
    }),
    snapshot: psScript(printJson('[ordered]@{ require = [bool](Get-SmbServerConfiguration).RequireSecuritySignature }')),
    inject: psScript('Set-SmbServerConfiguration -RequireSecuritySignature $false -Force'),
    check: psCheck(driftedWhen('-not (Get-SmbServerConfiguration).RequireSecuritySignature')),
    revert: (snapshot) => psScript(loadSnapshot(snapshot), 'Set-SmbServerConfiguration -RequireSecuritySignature ([bool]$snapshot.require) -Force'),
  }),
});

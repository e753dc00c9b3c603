import { z } from 'zod';
import { psCheck, psScript } from '../../quoting/powershell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, printJson } from './common.js';

/** SMB server no longer requires message signing (relay attacks become possible). */
export const smbSigningNotRequired = defineFault({
  name: 'windows.smb_signing_not_required',
  platform: 'windows',
  summary: 'Sets the SMB server to not require signing (Set-SmbServerConfiguration -RequireSecuritySignature $false)',
  params: z.strictObject({}),
  resources: () => ['smb'],
  footprint: () => ({}),
  build: () => ({
    snapshot: psScript(printJson('[ordered]@{ require = [bool](Get-SmbServerConfiguration).RequireSecuritySignature }')),
    inject: psScript('Set-SmbServerConfiguration -RequireSecuritySignature $false -Force'),
    check: psCheck(driftedWhen('-not (Get-SmbServerConfiguration).RequireSecuritySignature')),
    revert: (snapshot) => psScript(loadSnapshot(snapshot), 'Set-SmbServerConfiguration -RequireSecuritySignature ([bool]$snapshot.require) -Force'),
  }),
});

import { z } from 'zod';
import { psCheck, psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, printJson } from './common.js';

const params = z.strictObject({
  /** Service name as Get-Service knows it: W32Time, DNS, wuauserv… */
  service: z.string().min(1).regex(/^[A-Za-z0-9_.$ -]+$/, 'a Windows service name'),
  state: z.enum(['stopped', 'disabled']).default('stopped'),
});

/**
 * A service stopped, or disabled and stopped. Its footprint names the service,
 * so the management-plane guard refuses WinRM, sshd and any protected service.
 */
export const serviceState = defineFault({
  name: 'windows.service_state',
  platform: 'windows',
  summary: 'Stops (or disables and stops) a Windows service',
  params,
  resources: ({ service }) => [`service:${service.toLowerCase()}`],
  footprint: ({ service }) => ({ services: [service] }),
  build: ({ service, state }) => {
    const get = ps`Get-Service -Name ${service}`;
    const drifted = state === 'stopped' ? `(${get}).Status -ne 'Running'` : `(${get}).StartType -eq 'Disabled' -or (${get}).Status -ne 'Running'`;
    return {
      snapshot: psScript(`$svc = ${get}`, printJson("[ordered]@{ status = [string]$svc.Status; startType = [string]$svc.StartType }")),
      inject: psScript(...(state === 'disabled' ? [ps`Set-Service -Name ${service} -StartupType Disabled`] : []), ps`Stop-Service -Name ${service} -Force`),
      check: psCheck(driftedWhen(drifted)),
      revert: (snapshot) =>
        psScript(
          loadSnapshot(snapshot),
          ps`Set-Service -Name ${service} -StartupType $snapshot.startType`,
          ps`if ($snapshot.status -eq 'Running') { Start-Service -Name ${service} }`,
        ),
    };
  },
});

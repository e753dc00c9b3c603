import { z } from 'zod';
import { psCheck, psNativeSucceeded, psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, printJson } from './common.js';

const params = z.strictObject({
  /** Service name as Get-Service knows it: W32Time, DNS, wuauserv… */
  service: z.string().min(1).regex(/^[A-Za-z0-9_.$ -]+$/, 'a Windows service name'),
  state: z.enum(['stopped', 'disabled']).default('stopped'),
});

/**
 * sc.exe's start= word for a snapshot's start type. Windows PowerShell 5.1's
 * Set-Service has no AutomaticDelayedStart (PowerShell 6+ does), and its
 * Automatic leaves the separate delayed flag as it was: sc.exe sets both, on
 * every Windows version.
 */
const SC_START = "@{ Automatic = 'auto'; Manual = 'demand'; Disabled = 'disabled'; Boot = 'boot'; System = 'system' }";

/**
 * A service stopped, or disabled and stopped. `Stop-Service -Force` also stops
 * the services that depend on it, so the snapshot records which of those were
 * running, and the delayed-auto-start flag (Win32_Service.DelayedAutoStart,
 * which Get-Service does not show on 5.1): revert restores the start type with
 * that flag, starts the service, then the dependents it stopped.
 * Its footprint names the service, so the management-plane guard refuses
 * WinRM, sshd and any protected service.
 */
export const serviceState = defineFault({
  name: 'windows.service_state',
  platform: 'windows',
  summary: 'Stops (or disables and stops) a Windows service',
  params,
  resources: ({ service }) => [`service:${service.toLowerCase()}`],
  footprint: ({ service }) => ({ services: [service] }),
  build: ({ service, state }) => {
    const get = ps`$svc = Get-Service -Name ${service}`;
    const drifted = state === 'stopped' ? "[string]$svc.Status -ne 'Running'" : "[string]$svc.StartType -eq 'Disabled' -or [string]$svc.Status -ne 'Running'";
    return {
      snapshot: psScript(
        get,
        ps`$cim = @(Get-CimInstance -ClassName Win32_Service -Filter ${`Name='${service}'`})`,
        "if ($cim.Count -ne 1) { throw 'Win32_Service does not list the service: its delayed auto-start flag is unknown' }",
        "$dependents = @($svc.DependentServices | Where-Object { [string]$_.Status -eq 'Running' } | ForEach-Object { $_.Name })",
        printJson('[ordered]@{ status = [string]$svc.Status; startType = [string]$svc.StartType; delayed = [bool]$cim[0].DelayedAutoStart; runningDependents = $dependents }'),
      ),
      inject: psScript(...(state === 'disabled' ? [ps`Set-Service -Name ${service} -StartupType Disabled`] : []), ps`Stop-Service -Name ${service} -Force`),
      check: psCheck(get, driftedWhen(drifted)),
      revert: (snapshot) =>
        psScript(
          loadSnapshot(snapshot),
          `$start = if ($snapshot.startType -eq 'Automatic' -and $snapshot.delayed) { 'delayed-auto' } else { (${SC_START})[[string]$snapshot.startType] }`,
          ps`sc.exe config ${service} start= $start | Out-Null`,
          psNativeSucceeded('sc.exe config'),
          ps`if ($snapshot.status -eq 'Running') { Start-Service -Name ${service} }`,
          'foreach ($name in @($snapshot.runningDependents)) { Start-Service -Name $name }',
        ),
    };
  },
});

import { z } from 'zod';
import { psCheck, psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault, type FaultCommands } from '../fault.js';
import { driftedWhen, loadSnapshot, printJson, registryPath, registryProviderPath } from './common.js';

export const registryKinds = ['String', 'ExpandString', 'DWord', 'QWord', 'MultiString'] as const;
export type RegistryKind = (typeof registryKinds)[number];

export interface RegistryTarget {
  readonly path: string;
  readonly name: string;
  readonly value: string;
  readonly kind: RegistryKind;
}

/**
 * Sets one registry value. The snapshot records whether the key and the value
 * existed and the old value with its kind, so revert puts back exactly that
 * (or removes what the fault created). Drifted = the value equals the injected one.
 * HKU:, HKCR: and HKCC: are reached through the Registry provider (PowerShell
 * has no such drives).
 */
export function registryValueCommands({ path: written, name, value, kind }: RegistryTarget): FaultCommands {
  const path = registryProviderPath(written);
  const current = ps`(Get-Item -LiteralPath ${path} -ErrorAction SilentlyContinue)`;
  return {
    snapshot: psScript(
      `$key = ${current}`,
      ps`$exists = $null -ne $key -and @($key.GetValueNames()) -contains ${name}`,
      printJson(
        ps`[ordered]@{ keyExisted = $null -ne $key; existed = $exists; kind = $(if ($exists) { [string]$key.GetValueKind(${name}) } else { $null }); value = $(if ($exists) { $key.GetValue(${name}, $null, 'DoNotExpandEnvironmentNames') } else { $null }) }`,
      ),
    ),
    inject: psScript(
      ps`if (-not (Test-Path -LiteralPath ${path})) { New-Item -Path ${path} -Force | Out-Null }`,
      ps`New-ItemProperty -LiteralPath ${path} -Name ${name} -Value ${value} -PropertyType ${kind} -Force | Out-Null`,
    ),
    check: psCheck(
      `$key = ${current}`,
      driftedWhen(ps`$null -ne $key -and @($key.GetValueNames()) -contains ${name} -and [string]($key.GetValue(${name}, $null, 'DoNotExpandEnvironmentNames') -join "\`n") -ceq ${value}`),
    ),
    revert: (snapshot) =>
      psScript(
        loadSnapshot(snapshot),
        'if ($snapshot.existed) {',
        "  $old = $snapshot.value; if ($snapshot.kind -eq 'Binary') { $old = [byte[]]$old } elseif ($snapshot.kind -eq 'MultiString') { $old = [string[]]$old }",
        ps`  New-ItemProperty -LiteralPath ${path} -Name ${name} -Value $old -PropertyType $snapshot.kind -Force | Out-Null`,
        '} else {',
        ps`  Remove-ItemProperty -LiteralPath ${path} -Name ${name} -ErrorAction SilentlyContinue`,
        ps`  if (-not $snapshot.keyExisted) { Remove-Item -LiteralPath ${path} -ErrorAction SilentlyContinue }`,
        '}',
      ),
  };
}

const params = z.strictObject({
  path: registryPath,
  name: z.string().min(1),
  value: z.union([z.string(), z.number().int()]).transform(String),
  type: z.enum(registryKinds).default('String'),
});

export const registryValue = defineFault({
  name: 'windows.registry_value',
  platform: 'windows',
  summary: 'Sets a registry value (restores the previous value, or removes it, on revert)',
  params,
  resources: ({ path, name }) => [`registry:${path}\\${name}`.toLowerCase()],
  footprint: ({ path }) => ({ paths: [path] }),
  build: ({ path, name, value, type }) => registryValueCommands({ path, name, value, kind: type }),
});

const RUN_KEYS = {
  HKLM: 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run',
  HKCU: 'HKCU:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run',
} as const;

const runKeyParams = z.strictObject({
  hive: z.enum(['HKLM', 'HKCU']).default('HKLM'),
  name: z.string().min(1).default('ChaoslabUpdater'),
  /** Never executed by chaoslab; a real agent must flag it as persistence. */
  command: z.string().min(1).default('C:\\ProgramData\\chaoslab\\updater.exe --background'),
});

/** Autostart persistence: a value under the Run key. */
export const runKeyPersistence = defineFault({
  name: 'windows.run_key_persistence',
  platform: 'windows',
  summary: 'Adds a Run-key autostart entry (registry persistence)',
  params: runKeyParams,
  resources: () => ['registry_run'],
  footprint: ({ hive }) => ({ paths: [RUN_KEYS[hive]] }),
  build: ({ hive, name, command }) => registryValueCommands({ path: RUN_KEYS[hive], name, value: command, kind: 'String' }),
});

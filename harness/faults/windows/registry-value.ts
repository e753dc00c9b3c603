import { z } from 'zod';
import { psCheck, psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault, type FaultCommands } from '../fault.js';
import { driftedWhen, loadSnapshot, notApplicableWhen, printJson, registryPath, registryProviderPath } from './common.js';

export const registryKinds = ['String', 'ExpandString', 'DWord', 'QWord', 'MultiString'] as const;
export type RegistryKind = (typeof registryKinds)[number];

export interface RegistryTarget {
  readonly path: string;
  readonly name: string;
  readonly value: string;
  readonly kind: RegistryKind;
}

/**
 * Opens the key into `$key` ($null when it does not exist) and sets `$found`.
 * Only "not found" means absent: a key the ACL keeps from us is an error, never
 * "no value" (a check would call a failed probe healed).
 */
function openKey(path: string, name: string): string {
  return [
    '$key = $null',
    ps`try { $key = Get-Item -LiteralPath ${path} } catch { if ($_.CategoryInfo.Category -ne 'ObjectNotFound') { throw } }`,
    // Property lists the value names (about_Registry_Provider): a property read, allowed in ConstrainedLanguage.
    ps`$found = $null -ne $key -and @($key.Property) -contains ${name}`,
  ].join('\n');
}

/**
 * Reads the value into `$kind` and `$raw` (unexpanded). ConstrainedLanguage
 * (WDAC/AppLocker) refuses RegistryKey's methods: there the kind follows from
 * the .NET type Get-ItemProperty returns, which cannot tell REG_SZ from
 * REG_EXPAND_SZ (and expands the latter): `$kind` stays $null for a string.
 */
function readValue(path: string, name: string): string {
  return [
    openKey(path, name),
    '$kind = $null; $raw = $null',
    "if ($found -and $ExecutionContext.SessionState.LanguageMode -eq 'FullLanguage') {",
    ps`  $kind = [string]$key.GetValueKind(${name}); $raw = $key.GetValue(${name}, $null, 'DoNotExpandEnvironmentNames')`,
    '} elseif ($found) {',
    ps`  $raw = (Get-ItemProperty -LiteralPath ${path} -Name ${name}).${name}`,
    "  $kind = if ($raw -is [int]) { 'DWord' } elseif ($raw -is [long]) { 'QWord' } elseif ($raw -is [byte[]]) { 'Binary' } elseif ($raw -is [string[]]) { 'MultiString' } else { $null }",
    '}',
  ].join('\n');
}

/** The key and its ancestors below the hive, deepest first: the keys inject may create. */
function keyChain(written: string): string[] {
  const [hive, ...parts] = written.split('\\');
  return parts.map((_, i) => registryProviderPath([hive, ...parts.slice(0, i + 1)].join('\\'))).reverse();
}

const NO_KIND_IN_CLM = "ConstrainedLanguage cannot tell REG_SZ from REG_EXPAND_SZ without RegistryKey.GetValueKind: not changing a string value it could not restore exactly";

/**
 * Sets one registry value. The snapshot records the keys inject will create,
 * whether the value existed, its kind and its raw data, so revert puts back
 * exactly that (or removes what the fault created). Drifted = the value equals
 * the injected one. HKU:, HKCR: and HKCC: are reached through the Registry
 * provider (PowerShell has no such drives).
 */
export function registryValueCommands({ path: written, name, value, kind }: RegistryTarget): FaultCommands {
  const path = registryProviderPath(written);
  return {
    // An ExpandString can only be compared unexpanded with RegistryKey.GetValue, which ConstrainedLanguage refuses.
    ...(kind === 'ExpandString' && {
      applicable: notApplicableWhen({ when: "$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage'", reason: 'ConstrainedLanguage: a REG_EXPAND_SZ value cannot be read unexpanded without .NET methods' }),
    }),
    snapshot: psScript(
      ps`$created = @(${keyChain(written)} | Where-Object { -not (Test-Path -LiteralPath $_) })`,
      readValue(path, name),
      `if ($found -and $null -eq $kind) { throw '${NO_KIND_IN_CLM}' }`,
      printJson('[ordered]@{ createdKeys = $created; existed = $found; kind = $kind; value = $raw }'),
    ),
    inject: psScript(
      ps`if (-not (Test-Path -LiteralPath ${path})) { New-Item -Path ${path} -Force | Out-Null }`,
      ps`New-ItemProperty -LiteralPath ${path} -Name ${name} -Value ${value} -PropertyType ${kind} -Force | Out-Null`,
    ),
    check: psCheck(readValue(path, name), driftedWhen(ps`$found -and [string]($raw -join "\`n") -ceq ${value}`)),
    revert: (snapshot) =>
      psScript(
        loadSnapshot(snapshot),
        'if ($snapshot.existed) {',
        "  $old = $snapshot.value; if ($snapshot.kind -eq 'Binary') { $old = [byte[]]@($old) } elseif ($snapshot.kind -eq 'MultiString') { $old = [string[]]@($old) }",
        ps`  New-ItemProperty -LiteralPath ${path} -Name ${name} -Value $old -PropertyType $snapshot.kind -Force | Out-Null`,
        '} else {',
        openKey(path, name),
        ps`  if ($found) { Remove-ItemProperty -LiteralPath ${path} -Name ${name} }`,
        // Keys the fault created go again, deepest first, unless something else has filled them since.
        '  foreach ($created in @($snapshot.createdKeys)) {',
        "    $left = $null; try { $left = Get-Item -LiteralPath $created } catch { if ($_.CategoryInfo.Category -ne 'ObjectNotFound') { throw } }",
        '    if ($null -ne $left -and $left.ValueCount -eq 0 -and $left.SubKeyCount -eq 0) { Remove-Item -LiteralPath $created }',
        '  }',
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

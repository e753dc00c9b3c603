import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where scripts/setup-pwsh.sh (run by scripts/setup.sh) leaves PowerShell 7 and
 * Pester. Tests that need them fail with this message instead of skipping: on the
 * project's machines they are always installed.
 */
const MISSING = 'run scripts/setup.sh (it installs PowerShell 7.6 and Pester through the .NET SDK: scripts/setup-pwsh.sh)';

export const PESTER_VERSION = '6.2.0';

export function pwshPath(): string {
  const tool = join(homedir(), '.dotnet/tools/pwsh');
  if (existsSync(tool)) return tool;
  throw new Error(`pwsh is not installed at ${tool}: ${MISSING}`);
}

export function pesterModulePath(): string {
  // NuGet's global packages folder: $NUGET_PACKAGES, else ~/.nuget/packages (where setup-pwsh.sh's restore puts Pester)
  const packages = process.env.NUGET_PACKAGES ?? join(homedir(), '.nuget/packages');
  const module = join(packages, 'pester', PESTER_VERSION, 'tools', 'Pester.psd1');
  if (existsSync(module)) return module;
  throw new Error(`Pester ${PESTER_VERSION} is not installed at ${module}: ${MISSING}`);
}

#!/usr/bin/env bash
# Installs real PowerShell 7 (pwsh) and the Pester test framework for the Windows tests:
# every Windows script chaoslab sends is executed by pwsh against a model of Windows
# (test/support/windows-model). Idempotent. Needs the .NET SDK (`dotnet`); pwsh comes
# as a .NET global tool (7.6.10: the newest version that installs as a tool here; 7.7.0
# fails), Pester from NuGet into NuGet's global packages folder.
# Prints the pwsh path as its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pwsh_version=7.6.10
pester_version=6.2.0
tools="$HOME/.dotnet/tools"
say() { echo "chaoslab pwsh: $*" >&2; }

if ! command -v dotnet >/dev/null; then
  say "the .NET SDK is not installed: install it (https://learn.microsoft.com/dotnet/core/install/linux), or install PowerShell $pwsh_version and Pester $pester_version yourself"
  exit 1
fi

pwsh_bin="$tools/pwsh"
if [[ ! -x $pwsh_bin ]] || [[ $("$pwsh_bin" -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null) != "$pwsh_version" ]]; then
  say "installing PowerShell $pwsh_version (dotnet tool)"
  dotnet tool uninstall --global PowerShell >/dev/null 2>&1 || true
  dotnet tool install --global PowerShell --version "$pwsh_version" >/dev/null
fi

packages=$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')
pester="$packages/pester/$pester_version/tools/Pester.psd1"
if [[ ! -f $pester ]]; then
  say "installing Pester $pester_version (NuGet)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  framework="net$(dotnet --version | cut -d. -f1).0"
  sed -e "s/@PESTER_VERSION@/$pester_version/" -e "s/@FRAMEWORK@/$framework/" "$here/pwsh/pester-download.csproj" > "$work/pester-download.csproj"
  dotnet restore "$work/pester-download.csproj" >/dev/null
fi
[[ -f $pester ]] || { say "Pester $pester_version did not arrive at $pester"; exit 1; }
echo "$pwsh_bin"

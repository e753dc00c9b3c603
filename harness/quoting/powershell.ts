/** A PowerShell script from lines; stops at the first error so a failed step exits non-zero. */
export function psScript(...lines: readonly string[]): string {
  return ["$ErrorActionPreference = 'Stop'", ...lines].join('\n');
}

/**
 * Put before a script run remotely (WinRM, OpenSSH for Windows): writes UTF-8
 * (a remote console otherwise uses the OEM code page) and silences progress
 * records, which would otherwise reach stderr as CLIXML.
 */
export const UTF8_PRELUDE = "$ProgressPreference = 'SilentlyContinue'\n[Console]::OutputEncoding = [System.Text.Encoding]::UTF8\n";

import { randomUUID } from 'node:crypto';
import { UTF8_PRELUDE } from '../../quoting/powershell.js';
import { powershellInvocation } from '../../quoting/shell.js';

/** cmd.exe refuses command lines longer than this (WinRM's cmd shell runs `cmd /c`). */
export const CMD_LINE_LIMIT = 8191;

export interface PowerShellPlan {
  /** cmd.exe lines that append base64 chunks to a temp file; empty when the script fits one line. */
  readonly uploads: readonly string[];
  /** The command line that runs the script (directly, or from the uploaded file). */
  readonly run: string;
  /** Temp file stem when uploads are used (`chaoslab-<uuid>`). */
  readonly stem?: string;
}

/**
 * Plans how to run `script` through WinRM's cmd shell: one
 * `powershell -EncodedCommand` line when it fits in 8191 characters; otherwise
 * the UTF-8 script is base64-encoded, appended to %TEMP%\<stem>.b64 in chunks
 * by `echo` lines, and a short bootstrap decodes it into a .ps1 (with BOM, so
 * Windows PowerShell 5.1 reads it as UTF-8), runs it and removes both files.
 */
export function planPowerShell(script: string, limit = CMD_LINE_LIMIT, id: string = randomUUID()): PowerShellPlan {
  // WinRM's code page 65001 alone does not change what PowerShell writes: every script starts with the UTF-8 prelude.
  const full = UTF8_PRELUDE + script;
  const direct = powershellInvocation(full);
  if (direct.length <= limit) return { uploads: [], run: direct };
  const stem = `chaoslab-${id}`;
  const target = `"%TEMP%\\${stem}.b64"`;
  // Chunks are a multiple of 4 characters so none can read as `echo on` / `echo off`;
  // the space before >> keeps a trailing digit from becoming a handle redirection.
  const overhead = `echo  >> ${target}`.length;
  const chunkSize = Math.floor((limit - overhead) / 4) * 4;
  const encoded = Buffer.from(full, 'utf8').toString('base64');
  const uploads: string[] = [];
  for (let at = 0; at < encoded.length; at += chunkSize) uploads.push(`echo ${encoded.slice(at, at + chunkSize)} >> ${target}`);
  return { uploads, run: powershellInvocation(bootstrapScript(stem)), stem };
}

/** Runs the uploaded script in-process so `exit N` in it becomes the exit code. */
export function bootstrapScript(stem: string): string {
  return [
    "$ErrorActionPreference = 'Stop'",
    `$chunks = Join-Path $env:TEMP '${stem}.b64'`,
    `$script = Join-Path $env:TEMP '${stem}.ps1'`,
    'try {',
    "  $text = [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String(((Get-Content -Raw -LiteralPath $chunks) -replace '\\s', '')))",
    '  [System.IO.File]::WriteAllText($script, $text, (New-Object System.Text.UTF8Encoding $true))',
    '} finally { Remove-Item -LiteralPath $chunks -Force -ErrorAction SilentlyContinue }',
    "$ErrorActionPreference = 'Continue'",
    '$global:LASTEXITCODE = 0',
    'try { & $script } catch { [Console]::Error.WriteLine($_.ToString()); $global:LASTEXITCODE = 1 }',
    'finally { Remove-Item -LiteralPath $script -Force -ErrorAction SilentlyContinue }',
    'exit $global:LASTEXITCODE',
  ].join('\n');
}

/** The decoded script of a `powershell … -EncodedCommand <b64>` line, or undefined. */
export function decodeEncodedCommand(commandLine: string): string | undefined {
  const match = /\s-(?:EncodedCommand|enc|e|ec)\s+([A-Za-z0-9+/=]+)\s*$/i.exec(commandLine);
  return match ? Buffer.from(match[1]!, 'base64').toString('utf16le') : undefined;
}

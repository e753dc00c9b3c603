import { randomUUID } from 'node:crypto';
import { UTF8_PRELUDE } from '../../quoting/powershell.js';
import { powershellInvocation } from '../../quoting/shell.js';

/** cmd.exe refuses command lines longer than this (WinRM's cmd shell runs `cmd /c`), counted after `%VAR%` expansion. */
export const CMD_LINE_LIMIT = 8191;

/**
 * Room left in every upload line for what `%TEMP%` expands to: a Windows path
 * (MAX_PATH, 260), far more than a real profile's
 * `C:\Users\<user>.<DOMAIN>\AppData\Local\Temp`, so no account name can push a
 * line over the limit ("The input line is too long").
 */
export const TEMP_EXPANSION_BUDGET = 260;

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
 * the script's UTF-16 code units, four hex digits each, are appended to
 * %TEMP%\<stem>.hex in chunks by `echo` lines, and a short bootstrap decodes
 * them and runs the script. Every line stays under the limit however long
 * %TEMP% is.
 */
export function planPowerShell(script: string, limit = CMD_LINE_LIMIT, id: string = randomUUID()): PowerShellPlan {
  // WinRM's code page 65001 alone does not change what PowerShell writes: every script starts with the UTF-8 prelude.
  const full = UTF8_PRELUDE + script;
  const direct = powershellInvocation(full);
  if (direct.length <= limit) return { uploads: [], run: direct };
  const stem = `chaoslab-${id}`;
  const target = `"%TEMP%\\${stem}.hex"`;
  // Chunks are a multiple of 4 characters (whole code units); the space before >>
  // keeps a trailing digit from becoming a handle redirection.
  const overhead = `echo  >> ${target}`.length - '%TEMP%'.length + TEMP_EXPANSION_BUDGET;
  const chunkSize = Math.floor((limit - overhead) / 4) * 4;
  const encoded = encodeCodeUnits(full);
  const uploads: string[] = [];
  for (let at = 0; at < encoded.length; at += chunkSize) uploads.push(`echo ${encoded.slice(at, at + chunkSize)} >> ${target}`);
  return { uploads, run: powershellInvocation(bootstrapScript(stem)), stem };
}

/**
 * Hex digits only: nothing cmd.exe's `echo` could read as syntax, and decodable
 * under ConstrainedLanguage (WDAC/AppLocker), where `[Convert]::FromBase64String`
 * and `[Text.Encoding]::UTF8.GetString` throw but `[char][int]'0x…'` is allowed.
 */
export function encodeCodeUnits(text: string): string {
  let hex = '';
  for (let at = 0; at < text.length; at += 1) hex += text.charCodeAt(at).toString(16).padStart(4, '0');
  return hex;
}

/** The inverse of encodeCodeUnits (whitespace, such as echo's trailing space and CRLF, ignored). */
export function decodeCodeUnits(hex: string): string {
  const digits = hex.replace(/\s/g, '');
  let text = '';
  for (let at = 0; at < digits.length; at += 4) text += String.fromCharCode(Number.parseInt(digits.slice(at, at + 4), 16));
  return text;
}

/**
 * Decodes the uploaded script and runs it with Invoke-Expression, in-process,
 * so `exit N` in it becomes the exit code. No .ps1 file is written: a script
 * file is subject to the execution policy, and a Group Policy one (AllSigned,
 * RemoteSigned) overrides `-ExecutionPolicy Bypass`; -EncodedCommand and
 * Invoke-Expression are not. Everything here is allowed under
 * ConstrainedLanguage (no [Convert], [ScriptBlock]::Create or Encoding
 * methods). An error that ends the script is shown as PowerShell would show it
 * and exits 1, as an uncaught error does; a script that does not parse exits 2
 * (a check that could not tell, never drift).
 */
export function bootstrapScript(stem: string): string {
  return [
    "$ErrorActionPreference = 'Stop'",
    `$chunks = Join-Path $env:TEMP '${stem}.hex'`,
    'try {',
    "  $hex = (Get-Content -Raw -LiteralPath $chunks) -replace '\\s', ''",
    '} finally { Remove-Item -LiteralPath $chunks -Force -ErrorAction SilentlyContinue }',
    "$text = -join [char[]]@(for ($at = 0; $at -lt $hex.Length; $at += 4) { [int]('0x' + $hex.Substring($at, 4)) })",
    "$ErrorActionPreference = 'Continue'",
    '$global:LASTEXITCODE = 0',
    'try { Invoke-Expression -Command $text } catch {',
    '  Write-Error -ErrorRecord $_',
    "  if ($_.CategoryInfo.Category -eq 'ParserError') { exit 2 }",
    '  exit 1',
    '}',
    'exit $global:LASTEXITCODE',
  ].join('\n');
}

/** The decoded script of a `powershell … -EncodedCommand <b64>` line, or undefined. */
export function decodeEncodedCommand(commandLine: string): string | undefined {
  const match = /\s-(?:EncodedCommand|enc|e|ec)\s+([A-Za-z0-9+/=]+)\s*$/i.exec(commandLine);
  return match ? Buffer.from(match[1]!, 'base64').toString('utf16le') : undefined;
}

import { randomBytes } from 'node:crypto';

/**
 * The wire protocol of the persistent PowerShell host (docs/windows.md,
 * "Execution model"). One powershell.exe per machine runs HOST_LOOP; chaoslab
 * writes one request line per script to its stdin (WS-Man Send):
 *
 *     <nonce> <base64 of the UTF-8 script>\n
 *
 * and the host answers on its stdout and stderr:
 *
 *     stdout: <nonce> begin\n<the script's stdout>\n<nonce> end <exit code|none>\n
 *     stderr: <nonce> begin\n<the script's stderr>\n<nonce> end\n
 *
 * The nonce is 128 random bits chosen per script. It travels only on stdin and
 * lives in the host's own runspace; the script runs in a separate runspace and
 * never sees it, so nothing a script prints can end its frame early or forge
 * another script's verdict.
 */

/** The first line of HOST_LOOP: the test server recognises the host by it. */
export const HOST_LOOP_TAG = '# chaoslab persistent host v1';

/** What the host prints and exits with when PowerShell runs in ConstrainedLanguage (no runspaces there). */
export const HOST_CLM_EXIT = 64;

/**
 * The host loop (Windows PowerShell 5.1 and PowerShell 7).
 *
 * Each script runs in a new PowerShell instance on one private runspace, in a
 * child scope (`& $block`), so its variables do not leak into the next one and
 * `exit` cannot end the host: every `exit <n>` statement in the script's AST
 * becomes "remember n, then `break` out of the labelled loop around the
 * script" — a labelled break leaves script blocks and functions up to the
 * loop that carries the label, and try/catch does not catch it (about_Break,
 * about_Language_Keywords: exit). An `exit` the parser cannot see (inside a
 * string made into a script block at run time) ends only that PowerShell
 * instance: its exit code is then unknown ("none") and a check reading it
 * cannot tell (probe error), never drift. An uncaught terminating error is
 * exit code 1, as `powershell -Command` gives.
 *
 * Output streams are merged (`*>&1`): error records go to stderr, warning and
 * verbose records to stdout with PowerShell's prefixes, everything else is
 * formatted by Out-String. What a script writes to [Console] directly reaches
 * the host's own stdout/stderr inside its frame.
 *
 * Runspaces need FullLanguage: under ConstrainedLanguage (AppLocker, WDAC) the
 * host says so and exits HOST_CLM_EXIT, and chaoslab runs that machine's
 * commands one powershell.exe each (execution: process).
 */
export const HOST_LOOP = `${HOST_LOOP_TAG}
$mode = $ExecutionContext.SessionState.LanguageMode
if ($mode -ne 'FullLanguage') { "chaoslab host: language mode $mode"; exit ${HOST_CLM_EXIT} }
$ProgressPreference = 'SilentlyContinue'
[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false
$out = [Console]::Out; $err = [Console]::Error; $utf8 = New-Object System.Text.UTF8Encoding $false
$space = [runspacefactory]::CreateRunspace(); $space.Open()
$runner = {
  param($text)
  $ProgressPreference = 'SilentlyContinue'
  $tokens = $null; $problems = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseInput($text, [ref]$tokens, [ref]$problems)
  if ($problems.Count) { return [pscustomobject]@{ chaoslabExit = 1; errors = @($problems | ForEach-Object { $_.ToString() }); records = @() } }
  $exits = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.ExitStatementAst] }, $true) | Sort-Object { $_.Extent.StartOffset } -Descending)
  foreach ($e in $exits) {
    $value = if ($e.Pipeline) { $e.Pipeline.Extent.Text } else { '0' }
    $text = $text.Substring(0, $e.Extent.StartOffset) + ". { Set-Variable -Scope Global -Name chaoslabExit -Value ([int]($value)); break chaoslabScript }" + $text.Substring($e.Extent.EndOffset)
  }
  $block = [ScriptBlock]::Create($text)
  $global:chaoslabExit = $null; $global:LASTEXITCODE = 0
  $records = New-Object System.Collections.Generic.List[object]; $failure = $null
  try { & { :chaoslabScript foreach ($once in 1) { & $block } } *>&1 | ForEach-Object { $records.Add($_) } } catch { $failure = $_ }
  $code = if ($null -ne $global:chaoslabExit) { $global:chaoslabExit } elseif ($failure) { 1 } else { 0 }
  [pscustomobject]@{ chaoslabExit = $code; errors = @($failure | Where-Object { $_ } | ForEach-Object { $_.ToString() }); records = $records.ToArray() }
}
for (;;) {
  $line = [Console]::In.ReadLine()
  if ($null -eq $line) { break }
  $parts = $line.Trim().Split(' ')
  if ($parts.Count -ne 2) { continue }
  $nonce = $parts[0]
  $out.Write("$nonce begin\`n"); $err.Write("$nonce begin\`n"); $out.Flush(); $err.Flush()
  $code = 'none'; $stdout = ''; $stderr = ''
  $ps = [PowerShell]::Create(); $ps.Runspace = $space
  try {
    $result = @($ps.AddScript($runner).AddArgument($utf8.GetString([Convert]::FromBase64String($parts[1]))).Invoke()) | Where-Object { $_.chaoslabExit -ne $null } | Select-Object -Last 1
    if ($result) {
      $code = $result.chaoslabExit
      $objects = New-Object System.Collections.Generic.List[object]
      foreach ($r in @($result.records) + @($null)) {
        $line = if ($null -eq $r) { $null }
          elseif ($r -is [System.Management.Automation.ErrorRecord]) { $stderr += $r.ToString() + "\`n"; continue }
          elseif ($r -is [System.Management.Automation.WarningRecord]) { 'WARNING: ' + $r.Message }
          elseif ($r -is [System.Management.Automation.VerboseRecord]) { 'VERBOSE: ' + $r.Message }
          elseif ($r -is [System.Management.Automation.InformationRecord]) { [string]$r.MessageData }
          else { $objects.Add($r); continue }
        if ($objects.Count) { $stdout += ($objects | Out-String -Width 4096); $objects.Clear() }
        if ($null -ne $line) { $stdout += $line + "\`n" }
      }
      foreach ($e in $result.errors) { $stderr += $e + "\`n" }
    }
  } catch { $stderr += $_.ToString() + "\`n" } finally { $ps.Dispose() }
  $out.Write($stdout); $err.Write($stderr)
  $out.Write("\`n$nonce end $code\`n"); $err.Write("\`n$nonce end\`n"); $out.Flush(); $err.Flush()
}
`;

/** A fresh per-script nonce: 128 random bits, hex. */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** The stdin line that asks the host to run `script`. */
export function requestLine(nonce: string, script: string): Buffer {
  return Buffer.from(`${nonce} ${Buffer.from(script, 'utf8').toString('base64')}\n`, 'utf8');
}

export interface FramedResult {
  readonly stdout: string;
  readonly stderr: string;
  /** null when the script ended without an exit code the host could read. */
  readonly exitCode: number | null;
}

/**
 * Reads one script's frames out of the host's accumulated stdout and stderr:
 * undefined until both end markers carrying `nonce` have arrived. Text outside
 * the frames (the host's own lines) is ignored.
 */
export function readFrames(nonce: string, stdout: string, stderr: string): FramedResult | undefined {
  const out = frame(stdout, nonce, /^ (-?\d+|none)\n/);
  const err = frame(stderr, nonce, /^\n/);
  if (!out || !err) return undefined;
  const code = out.trailer[1]!;
  return { stdout: out.body, stderr: err.body, exitCode: code === 'none' ? null : Number(code) };
}

function frame(text: string, nonce: string, trailer: RegExp): { body: string; trailer: RegExpExecArray } | undefined {
  const begin = `${nonce} begin\n`;
  const start = text.indexOf(begin);
  if (start < 0) return undefined;
  const endMarker = `\n${nonce} end`;
  const end = text.indexOf(endMarker, start + begin.length - 1);
  if (end < 0) return undefined;
  const after = trailer.exec(text.slice(end + endMarker.length));
  if (!after) return undefined;
  return { body: text.slice(start + begin.length, end), trailer: after };
}

import { ChaoslabError } from '../core/errors.js';
import { excerpt } from '../core/redact.js';
import { ps, raw, sh, type ShellKind } from '../quoting/shell.js';

/**
 * Where a log watch is in the file: which file (`identity`: the inode on POSIX,
 * the volume serial and NTFS file id on Windows; '' when there was no file)
 * and how many bytes of it have been read.
 */
export interface LogPosition {
  readonly identity: string;
  readonly offset: number;
}

export const START_OF_LOG: LogPosition = { identity: '', offset: 0 };

/**
 * Add-Type, FileStream and [Console] are refused under ConstrainedLanguage
 * (WDAC/AppLocker): the tail says so in one sentence, before the injection
 * (measuring the log is part of preparing the attempt), instead of failing
 * on the first method call with a message about "core types".
 */
const LANGUAGE_GUARD = `if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') { throw ('the log observer cannot read files on this host: PowerShell runs in ' + $ExecutionContext.SessionState.LanguageMode + ' (WDAC/AppLocker), and reading a file by its NTFS id needs FullLanguage') }`;

/**
 * Defines `[Chaoslab.FileId]::Of($stream)`: `<volume serial>-<file index>` of an
 * open file (GetFileInformationByHandle; BY_HANDLE_FILE_INFORMATION keeps the
 * serial at byte 28 and the index at 44/48). Not the creation time: NTFS
 * tunnelling gives a file re-created under the same name within 15 s the old
 * one's creation time, so rename-then-create rotation would look like the same
 * file. A new file always gets a new index (or a new sequence number in it).
 */
const FILE_ID_TYPE = `${LANGUAGE_GUARD}
if (-not ('Chaoslab.FileId' -as [type])) {
  Add-Type -Namespace Chaoslab -Name FileId -MemberDefinition @'
[System.Runtime.InteropServices.DllImport("kernel32.dll", SetLastError = true)]
private static extern bool GetFileInformationByHandle(Microsoft.Win32.SafeHandles.SafeFileHandle handle, [System.Runtime.InteropServices.Out] byte[] info);
public static string Of(System.IO.FileStream stream) {
  byte[] info = new byte[52];
  if (!GetFileInformationByHandle(stream.SafeFileHandle, info)) throw new System.ComponentModel.Win32Exception();
  return System.BitConverter.ToUInt32(info, 28).ToString("x8") + "-" + System.BitConverter.ToUInt32(info, 44).ToString("x8") + System.BitConverter.ToUInt32(info, 48).ToString("x8");
}
'@
}`;

/** Opens the path the way the tail does: shared, so the agent can still write, rename and delete it. */
const OPEN_SHARED = "[System.IO.File]::Open($path, 'Open', 'Read', 'ReadWrite, Delete')";

/** Prints `<identity> <size>` of the file, or nothing when there is none. */
export function measureCommand(shell: ShellKind, path: string): string {
  if (shell === 'posix') return sh`if [ -e ${path} ]; then stat -L -c '%i %s' -- ${path}; fi`;
  return ps`${raw(FILE_ID_TYPE)}
$path = ${path}
if (Test-Path -LiteralPath $path) {
  $file = ${raw(OPEN_SHARED)}
  try { '{0} {1}' -f [Chaoslab.FileId]::Of($file), $file.Length } finally { $file.Dispose() }
}`;
}

export function parseMeasurement(stdout: string): LogPosition {
  const text = stdout.trim();
  if (text === '') return START_OF_LOG;
  const match = /^(\S+) (\d+)$/.exec(text);
  if (!match) throw new ChaoslabError('OBSERVER_PROTOCOL', `unexpected answer measuring the log: ${JSON.stringify(excerpt(text, 200))}`);
  return { identity: match[1]!, offset: Number(match[2]) };
}

const HEADER = 'chaoslab-tail';

/**
 * Follows the file from `from.offset` when it is still the same file and at
 * least that long, else from its start (rotated or truncated). The first line
 * is a header, `chaoslab-tail <identity> <offset>`, saying which file and
 * where reading began. Then the file's bytes as they are written. The command
 * ends when the path stops naming the file it reads (rotation) or the file
 * shrinks (truncation), so the caller resumes with a fresh decision instead
 * of reading a different file at offsets it cannot know. A missing file is
 * waited for.
 */
export function followCommand(shell: ShellKind, path: string, from: LogPosition): string {
  return shell === 'posix' ? followPosix(path, from) : followPowerShell(path, from);
}

function followPosix(path: string, from: LogPosition): string {
  return sh`p=${path} wanted=${from.identity} off=${String(from.offset)}
until [ -e "$p" ]; do sleep 1; done
set -- $(stat -L -c '%i %s' -- "$p")
inode=$1 size=$2
{ [ "$inode" = "$wanted" ] && [ "$size" -ge "$off" ]; } 2>/dev/null || off=0
printf '${raw(HEADER)} %s %s\\n' "$inode" "$off"
tail -c +$((off + 1)) -f -- "$p" 2>/dev/null & reader=$!
trap 'kill $reader 2>/dev/null' EXIT
while sleep 1 && kill -0 $reader 2>/dev/null; do
  set -- $(stat -L -c '%i %s' -- "$p" 2>/dev/null)
  { [ "$1" = "$inode" ] && [ "$2" -ge "$size" ]; } 2>/dev/null || break
  size=$2
done`;
}

/**
 * Get-Content decodes lines and drops their endings, so byte offsets would
 * be guesses: this reads the bytes itself from a FileStream (shared, so the
 * agent can still write, rename and delete the file), decodes them with one
 * stateful UTF-8 decoder (a character split across reads stays whole) and
 * writes the text unchanged, line endings included. Every half second it
 * opens the path anew and compares file ids: a different one means the path
 * now names another file (rotation), a missing one that it was removed.
 */
function followPowerShell(path: string, from: LogPosition): string {
  return ps`${raw(FILE_ID_TYPE)}
$path = ${path}; $wanted = ${from.identity}; $offset = [long]${String(from.offset)}
while (-not (Test-Path -LiteralPath $path)) { Start-Sleep -Seconds 1 }
$file = ${raw(OPEN_SHARED)}
try {
  $identity = [Chaoslab.FileId]::Of($file)
  if ($identity -ne $wanted -or $file.Length -lt $offset) { $offset = 0 }
  [Console]::Out.Write("${raw(HEADER)} $identity $offset\`n")
  [Console]::Out.Flush()
  [void]$file.Seek($offset, 'Begin')
  $decoder = [System.Text.UTF8Encoding]::new($false).GetDecoder()
  $bytes = [byte[]]::new(65536)
  $chars = [char[]]::new(65537)
  while ($true) {
    $read = $file.Read($bytes, 0, $bytes.Length)
    if ($read -gt 0) {
      $count = $decoder.GetChars($bytes, 0, $read, $chars, 0)
      [Console]::Out.Write($chars, 0, $count)
      [Console]::Out.Flush()
      continue
    }
    Start-Sleep -Milliseconds 500
    if ($file.Length -lt $file.Position) { break }
    try { $named = ${raw(OPEN_SHARED)} } catch { break }
    try { $rotated = [Chaoslab.FileId]::Of($named) -ne $identity } finally { $named.Dispose() }
    if ($rotated) { break }
  }
} finally { $file.Dispose() }`;
}

/** Reads the header line of followCommand's output. */
export function parseHeader(line: string): LogPosition {
  const match = new RegExp(`^\uFEFF?${HEADER} (\\S*) (\\d+)\\r?\\n?$`).exec(line);
  if (!match) throw new ChaoslabError('OBSERVER_PROTOCOL', `the log tail did not start as expected: ${JSON.stringify(excerpt(line, 200))}`);
  return { identity: match[1]!, offset: Number(match[2]) };
}

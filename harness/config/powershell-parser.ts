import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { encodePowerShell } from '../quoting/shell.js';

/**
 * PowerShell's own parser, run by pwsh (PowerShell 7) where chaoslab runs:
 * a script that does not parse would exit 1 on the host — read as drift by a
 * check — so `validate` and the tests parse every PowerShell script first.
 */

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** pwsh on PATH, else in ~/.dotnet/tools (where `dotnet tool install --global PowerShell` puts it); undefined when neither has it. */
export function findPwsh(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (executable(join(dir, 'pwsh'))) return join(dir, 'pwsh');
  }
  const tool = join(home, '.dotnet', 'tools', 'pwsh');
  return executable(tool) ? tool : undefined;
}

export interface PowerShellParseError {
  /** 1-based line and column inside the script. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/**
 * Reads a JSON array of scripts from a file and prints, per parse error,
 * `<index>\t<line>\t<column>\t<message>`. Parsing runs nothing of the script.
 */
const PARSE_PROGRAM = `param()
$ErrorActionPreference = 'Stop'
$scripts = @(Get-Content -Raw -LiteralPath $env:CHAOSLAB_PARSE_INPUT | ConvertFrom-Json)
for ($index = 0; $index -lt $scripts.Count; $index += 1) {
  $tokens = $null; $errors = $null
  $null = [System.Management.Automation.Language.Parser]::ParseInput([string]$scripts[$index], [ref]$tokens, [ref]$errors)
  foreach ($problem in $errors) {
    $message = $problem.Message -replace '\\s+', ' '
    Write-Output ("{0}\`t{1}\`t{2}\`t{3}" -f $index, $problem.Extent.StartLineNumber, $problem.Extent.StartColumnNumber, $message)
  }
}
Write-Output "parsed $($scripts.Count)"`;

/** Parses every script in one pwsh process; the result lists each script's errors (empty: it parses). */
export async function parsePowerShell(scripts: readonly string[], pwsh: string, timeoutMs = 120_000): Promise<PowerShellParseError[][]> {
  const dir = await mkdtemp(join(tmpdir(), 'chaoslab-ps-parse-'));
  try {
    const input = join(dir, 'scripts.json');
    await writeFile(input, JSON.stringify(scripts));
    const stdout = await runPwsh(pwsh, input, timeoutMs);
    if (!new RegExp(`^parsed ${scripts.length}$`, 'm').test(stdout)) throw new Error(`pwsh did not parse the scripts: ${stdout.trim().slice(0, 500)}`);
    const found: PowerShellParseError[][] = scripts.map(() => []);
    for (const line of stdout.split(/\r?\n/)) {
      const match = /^(\d+)\t(\d+)\t(\d+)\t(.*)$/.exec(line);
      if (match) found[Number(match[1])]!.push({ line: Number(match[2]), column: Number(match[3]), message: match[4]!.trim() });
    }
    return found;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runPwsh(pwsh: string, input: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(pwsh, ['-NoProfile', '-NonInteractive', '-EncodedCommand', encodePowerShell(PARSE_PROGRAM)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CHAOSLAB_PARSE_INPUT: input, NO_COLOR: '1', TERM: 'dumb' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${pwsh} exited ${code}: ${(stderr || stdout).trim().slice(0, 500)}`));
    });
  });
}

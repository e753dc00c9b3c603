import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeEncodedCommand } from '../../../harness/transport/winrm/powershell-command.js';
import { modelPrelude, runPwsh } from '../windows-model/run.js';
import type { RecordedScript, ScriptReply, ScriptRule } from './shell-host.js';

/**
 * Makes the WinRM test server really run what it receives: each PowerShell
 * command line is decoded and run by real pwsh, after the Windows model's
 * prelude (test/support/windows-model), in ConstrainedLanguage when asked.
 * A chunked script runs as on Windows: every `echo <chunk> >> "%TEMP%\…"`
 * line is replayed into a real file under `tempDir` (cmd.exe's echo writes the
 * text, the space before `>>`, then CRLF), and the bootstrap itself reads,
 * decodes and deletes it, with $env:TEMP pointing there. stderr comes back as
 * pwsh writes it (CLIXML), exit codes unchanged (cmd /c passes them on).
 */
export interface PwshExecutorOptions {
  /** The model's state file (tests write it before each command). */
  readonly statePath: string;
  /** What %TEMP% is for the bootstrap. */
  readonly tempDir: string;
  readonly constrained?: boolean;
  readonly timeoutMs?: number;
}

export class PwshExecutor {
  constructor(private readonly options: PwshExecutorOptions) {}

  /** A rule answering every command by running it. */
  rule(): ScriptRule {
    return { match: /[^]*/, reply: (_, run) => this.execute(run) };
  }

  private async execute(run: RecordedScript): Promise<ScriptReply> {
    // a command line (`powershell -EncodedCommand …`), or a script fed to the persistent host's stdin
    const script = decodeEncodedCommand(run.commandLine) ?? (run.kind === 'powershell' ? run.script : undefined);
    if (script === undefined) return cmdBuiltin(run.commandLine);
    await mkdir(this.options.tempDir, { recursive: true });
    for (const upload of run.uploads ?? []) {
      const match = /^echo (\S+) >> "[^"]*\\([^"\\]+)"$/.exec(upload);
      if (!match) throw new Error(`not an upload line: ${upload.slice(0, 120)}`);
      await appendFile(join(this.options.tempDir, match[2]!), `${match[1]} \r\n`);
    }
    const full = `${modelPrelude(this.options.statePath, this.options.constrained ?? false)}\n${script}`;
    return runEncoded(full, { ...process.env, TEMP: this.options.tempDir, NO_COLOR: '1', TERM: 'dumb' }, this.options.timeoutMs ?? 120_000);
  }
}

/** The cmd.exe lines chaoslab sends besides uploads: `del /q` of a half-uploaded script, and the liveness probe `exit 0`. */
function cmdBuiltin(commandLine: string): ScriptReply {
  if (/^del \/q /.test(commandLine)) return { exitCode: 0 };
  const exit = /^exit (\d+)$/.exec(commandLine.trim());
  if (exit) return { exitCode: Number(exit[1]) };
  return { stderr: `'${commandLine.split(' ')[0]}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n`, exitCode: 1 };
}

async function runEncoded(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ScriptReply> {
  const encoded = Buffer.from(script, 'utf16le').toString('base64');
  const { stdout, stderr, exitCode } = await runPwsh(['-NoProfile', '-NonInteractive', '-EncodedCommand', encoded], timeoutMs, env);
  return { stdout, stderr, exitCode: exitCode ?? 1 };
}

import { randomUUID } from 'node:crypto';
import { decodeCodeUnits, decodeEncodedCommand } from '../../../harness/transport/winrm/powershell-command.js';

/**
 * What the test server pretends to execute. A rule matches the script (the
 * decoded PowerShell, or the cmd line) and scripts the result. Rules are
 * tried in order; the first match wins; no match → exit 0 with no output.
 */
export interface ScriptReply {
  readonly stdout?: string;
  /** Output delivered one piece per Receive (for streaming); `stdout` is ignored then. */
  readonly stdoutChunks?: readonly string[];
  readonly stderr?: string;
  readonly exitCode?: number;
  /** The command runs this long before it finishes. */
  readonly delayMs?: number;
  /**
   * A command that runs until it is signalled (a log tail): each Receive waits,
   * up to OperationTimeout, for this to return new output.
   */
  readonly live?: () => string | undefined;
  /** CPU this script costs the modelled machine, besides starting its process (cost-model.ts; default its scriptCpuMs). */
  readonly cpuMs?: number;
}

export interface ScriptRule {
  readonly match: RegExp;
  /** A function may answer later (a Promise): the command runs until it settles, as a real program would (see pwsh-executor.ts). */
  readonly reply?: ScriptReply | ((script: string, run: RecordedScript) => ScriptReply | Promise<ScriptReply>);
  /** Close the TCP connection instead of answering, this many times (then behave normally). */
  readonly drop?: { readonly on: 'command' | 'receive'; times: number };
  /** Answer the Command with the WS-Man quota fault. */
  readonly quotaFault?: boolean;
}

export interface RecordedScript {
  /** `refused`: longer than cmd.exe allows after %TEMP% expansion; never ran. */
  readonly kind: 'powershell' | 'cmd' | 'upload' | 'refused';
  /** The decoded PowerShell (reassembled from uploads when chunked), or the cmd line. */
  readonly script: string;
  readonly commandLine: string;
  /** Number of uploaded chunks the script was reassembled from. */
  readonly chunks?: number;
  /** The upload lines of a chunked script, %TEMP% expanded, in order (an executor replays them as cmd.exe would). */
  readonly uploads?: readonly string[];
  readonly shellId: string;
}

export interface RunningCommand {
  readonly id: string;
  readonly record: RecordedScript;
  readonly rule: ScriptRule | undefined;
  reply: ScriptReply;
  finishesAt: number;
  /** Set while an asynchronous reply is pending; Receive waits for it. */
  ready?: Promise<void>;
  delivered: number;
  terminated: boolean;
}

/** A realistic domain profile's %TEMP% (the account name is `<user>.<DOMAIN>` once a local one exists). */
export const DEFAULT_TEMP = 'C:\\Users\\chaoslab.LAB\\AppData\\Local\\Temp';
const CMD_LINE_LIMIT = 8191;
const LINE_TOO_LONG: ScriptReply = { stderr: 'The input line is too long.\r\n', exitCode: 1 };
const BOOTSTRAP = /Join-Path \$env:TEMP '(chaoslab-[0-9a-f-]+)\.hex'/;

export class ShellHost {
  readonly shells = new Map<string, Map<string, RunningCommand>>();
  readonly recorded: RecordedScript[] = [];
  readonly signals: { shellId: string; commandId: string; code: string }[] = [];
  /** %TEMP% as far as uploads go: file stem → the hex text echoed into it. */
  private readonly tempFiles = new Map<string, string>();

  private readonly upload: RegExp;

  /** `temp`: what %TEMP% expands to in command lines, as cmd.exe expands it before checking their length. */
  constructor(readonly rules: ScriptRule[], private readonly temp = DEFAULT_TEMP) {
    this.upload = new RegExp(`^echo ([0-9a-f]+) >> "${temp.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}\\\\(chaoslab-[0-9a-f-]+)\\.hex"$`);
  }

  /** cmd.exe's `%VAR%` expansion (only %TEMP% is known here; an unknown variable stays as written, as under `cmd /c`). */
  private expand(commandLine: string): string {
    return commandLine.replace(/%TEMP%/gi, () => this.temp);
  }

  createShell(): string {
    const id = randomUUID().toUpperCase();
    this.shells.set(id, new Map());
    return id;
  }

  /** Interprets a command line as Windows would, records it and picks its rule. */
  start(shellId: string, commandLine: string): RunningCommand {
    const expanded = this.expand(commandLine);
    if (expanded.length > CMD_LINE_LIMIT) return this.refuse(shellId, commandLine);
    const upload = this.upload.exec(expanded);
    let record: RecordedScript;
    if (upload) {
      this.tempFiles.set(upload[2]!, (this.tempFiles.get(upload[2]!) ?? '') + upload[1]!);
      record = { kind: 'upload', script: commandLine, commandLine, shellId };
    } else {
      const decoded = decodeEncodedCommand(commandLine);
      const stem = decoded === undefined ? undefined : BOOTSTRAP.exec(decoded)?.[1];
      if (decoded !== undefined && stem !== undefined && this.tempFiles.has(stem)) {
        const hex = this.tempFiles.get(stem)!;
        this.tempFiles.delete(stem);
        const uploads = this.recorded.filter((r) => r.kind === 'upload' && r.commandLine.includes(stem)).map((r) => this.expand(r.commandLine));
        record = { kind: 'powershell', script: decodeCodeUnits(hex), commandLine, chunks: uploads.length, uploads, shellId };
      } else {
        record = { kind: decoded === undefined ? 'cmd' : 'powershell', script: decoded ?? commandLine, commandLine, shellId };
      }
    }
    this.recorded.push(record);
    const rule = record.kind === 'upload' ? undefined : this.rules.find((candidate) => candidate.match.test(record.script));
    const produced = typeof rule?.reply === 'function' ? rule.reply(record.script, record) : (rule?.reply ?? {});
    const reply = produced instanceof Promise ? {} : produced;
    const command: RunningCommand = { id: randomUUID().toUpperCase(), record, rule, reply, finishesAt: Date.now() + (reply.delayMs ?? 0), delivered: 0, terminated: false };
    if (produced instanceof Promise) {
      command.ready = produced
        .catch((error: unknown): ScriptReply => ({ stderr: `test server: the reply failed: ${String(error)}`, exitCode: 1 }))
        .then((settled) => {
          command.reply = settled;
          command.finishesAt = Date.now() + (settled.delayMs ?? 0);
        });
    }
    this.shells.get(shellId)?.set(command.id, command);
    return command;
  }

  /** cmd.exe refuses the whole line before running any of it. */
  private refuse(shellId: string, commandLine: string): RunningCommand {
    const record: RecordedScript = { kind: 'refused', script: commandLine, commandLine, shellId };
    this.recorded.push(record);
    const command: RunningCommand = { id: randomUUID().toUpperCase(), record, rule: undefined, reply: LINE_TOO_LONG, finishesAt: Date.now(), delivered: 0, terminated: false };
    this.shells.get(shellId)?.set(command.id, command);
    return command;
  }

  /** Scripts seen, without the uploads of chunked ones. */
  scripts(): RecordedScript[] {
    return this.recorded.filter((r) => r.kind !== 'upload' && r.kind !== 'refused');
  }
}

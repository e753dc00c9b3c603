import { randomUUID } from 'node:crypto';
import { decodeEncodedCommand } from '../../../harness/transport/winrm/powershell-command.js';

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
}

export interface ScriptRule {
  readonly match: RegExp;
  readonly reply?: ScriptReply | ((script: string, run: RecordedScript) => ScriptReply);
  /** Close the TCP connection instead of answering, this many times (then behave normally). */
  readonly drop?: { readonly on: 'command' | 'receive'; times: number };
  /** Answer the Command with the WS-Man quota fault. */
  readonly quotaFault?: boolean;
}

export interface RecordedScript {
  readonly kind: 'powershell' | 'cmd' | 'upload';
  /** The decoded PowerShell (reassembled from uploads when chunked), or the cmd line. */
  readonly script: string;
  readonly commandLine: string;
  /** Number of uploaded chunks the script was reassembled from. */
  readonly chunks?: number;
  readonly shellId: string;
}

export interface RunningCommand {
  readonly id: string;
  readonly record: RecordedScript;
  readonly rule: ScriptRule | undefined;
  readonly reply: ScriptReply;
  readonly finishesAt: number;
  delivered: number;
  terminated: boolean;
}

const UPLOAD = /^echo ([A-Za-z0-9+/=]+) >> "%TEMP%\\(chaoslab-[0-9a-f-]+)\.b64"$/;
const BOOTSTRAP = /Join-Path \$env:TEMP '(chaoslab-[0-9a-f-]+)\.b64'/;

export class ShellHost {
  readonly shells = new Map<string, Map<string, RunningCommand>>();
  readonly recorded: RecordedScript[] = [];
  readonly signals: { shellId: string; commandId: string; code: string }[] = [];
  /** %TEMP% as far as uploads go: file stem → base64 text. */
  private readonly tempFiles = new Map<string, string>();

  constructor(readonly rules: ScriptRule[]) {}

  createShell(): string {
    const id = randomUUID().toUpperCase();
    this.shells.set(id, new Map());
    return id;
  }

  /** Interprets a command line as Windows would, records it and picks its rule. */
  start(shellId: string, commandLine: string): RunningCommand {
    const upload = UPLOAD.exec(commandLine);
    let record: RecordedScript;
    if (upload) {
      this.tempFiles.set(upload[2]!, (this.tempFiles.get(upload[2]!) ?? '') + upload[1]!);
      record = { kind: 'upload', script: commandLine, commandLine, shellId };
    } else {
      const decoded = decodeEncodedCommand(commandLine);
      const stem = decoded === undefined ? undefined : BOOTSTRAP.exec(decoded)?.[1];
      if (decoded !== undefined && stem !== undefined && this.tempFiles.has(stem)) {
        const base64 = this.tempFiles.get(stem)!;
        this.tempFiles.delete(stem);
        const chunks = this.recorded.filter((r) => r.kind === 'upload' && r.commandLine.includes(stem)).length;
        record = { kind: 'powershell', script: Buffer.from(base64, 'base64').toString('utf8'), commandLine, chunks, shellId };
      } else {
        record = { kind: decoded === undefined ? 'cmd' : 'powershell', script: decoded ?? commandLine, commandLine, shellId };
      }
    }
    this.recorded.push(record);
    const rule = record.kind === 'upload' ? undefined : this.rules.find((candidate) => candidate.match.test(record.script));
    const reply = typeof rule?.reply === 'function' ? rule.reply(record.script, record) : (rule?.reply ?? {});
    const command: RunningCommand = { id: randomUUID().toUpperCase(), record, rule, reply, finishesAt: Date.now() + (reply.delayMs ?? 0), delivered: 0, terminated: false };
    this.shells.get(shellId)?.set(command.id, command);
    return command;
  }

  /** Scripts seen, without the uploads of chunked ones. */
  scripts(): RecordedScript[] {
    return this.recorded.filter((r) => r.kind !== 'upload');
  }
}

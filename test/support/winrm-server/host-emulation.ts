import { HOST_CLM_EXIT } from '../../../harness/transport/winrm/host-protocol.js';
import type { CostModel } from './cost-model.js';
import type { RecordedScript, ScriptReply, ScriptRule } from './shell-host.js';

/**
 * The server's stand-in for chaoslab's persistent PowerShell host
 * (harness/transport/winrm/host-protocol.ts, whose loop is run under real pwsh
 * in test/integration/winrm-host-loop.test.ts). It does what that loop does
 * with each stdin line — decode, run (here: answer by the rules, costing the
 * machine a script's CPU, not a process start), frame the output with the
 * request's nonce — and exits with HOST_CLM_EXIT at once under
 * ConstrainedLanguage, as the loop does.
 */
export class EmulatedHost {
  private stdin = '';
  private stdout = '';
  private stderr = '';
  private queue: Promise<void>;
  exitCode: number | undefined;
  private readonly wake = new Set<() => void>();

  constructor(
    private readonly shellId: string,
    private readonly environment: {
      readonly rules: readonly ScriptRule[];
      readonly record: (record: RecordedScript) => void;
      readonly cost?: CostModel;
      readonly constrainedLanguage?: boolean;
    },
  ) {
    if (environment.constrainedLanguage) {
      this.stdout = 'chaoslab host: language mode ConstrainedLanguage\r\n';
      this.exitCode = HOST_CLM_EXIT;
      this.queue = Promise.resolve();
      return;
    }
    const cost = environment.cost;
    // Started once; its runspace imports the modules the checks use once, on first use.
    this.queue = cost ? cost.work(cost.powershellStartCpuMs, 'powershell_start').then(() => cost.work(cost.moduleImportCpuMs, 'module_import')) : Promise.resolve();
  }

  /** WS-Man Send: stdin bytes. Complete lines are run in order. */
  send(data: Buffer): void {
    if (this.exitCode !== undefined) return;
    this.stdin += data.toString('utf8');
    for (let at = this.stdin.indexOf('\n'); at >= 0; at = this.stdin.indexOf('\n')) {
      const line = this.stdin.slice(0, at).trim();
      this.stdin = this.stdin.slice(at + 1);
      const [nonce, payload, extra] = line.split(' ');
      if (!nonce || !payload || extra !== undefined) continue;
      this.queue = this.queue.then(() => this.runOne(nonce, Buffer.from(payload, 'base64').toString('utf8')));
    }
  }

  /** Signal terminate: the process is killed; queued scripts never run. */
  terminate(): void {
    if (this.exitCode === undefined) this.exitCode = 1;
    this.notify();
  }

  /** Waits up to `ms` for output or the end; returns what is there (done when the process ended and everything was taken). */
  async take(ms: number): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }> {
    if (!this.stdout && !this.stderr && this.exitCode === undefined) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        const self = this;
        function done() {
          clearTimeout(timer);
          self.wake.delete(done);
          resolve();
        }
        this.wake.add(done);
      });
    }
    const taken = { stdout: this.stdout, stderr: this.stderr, exitCode: this.exitCode };
    this.stdout = '';
    this.stderr = '';
    return taken;
  }

  private async runOne(nonce: string, script: string): Promise<void> {
    if (this.exitCode !== undefined) return;
    const record: RecordedScript = { kind: 'powershell', script, commandLine: '(persistent host stdin)', shellId: this.shellId };
    this.environment.record(record);
    const rule = this.environment.rules.find((candidate) => candidate.match.test(script));
    const reply: ScriptReply = typeof rule?.reply === 'function' ? await rule.reply(script, record) : (rule?.reply ?? {});
    const cost = this.environment.cost;
    if (cost) await cost.work(reply.cpuMs ?? cost.scriptCpuMs, 'script');
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (this.exitCode !== undefined) return;
    const stdout = reply.stdout ?? (reply.stdoutChunks ?? []).join('');
    this.stdout += `${nonce} begin\n${stdout}\n${nonce} end ${reply.exitCode ?? 0}\n`;
    this.stderr += `${nonce} begin\n${reply.stderr ?? ''}\n${nonce} end\n`;
    this.notify();
  }

  private notify(): void {
    for (const wake of [...this.wake]) wake();
  }
}

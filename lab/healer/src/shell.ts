import { spawn } from 'node:child_process';

export interface ShellResult {
  readonly exitCode: number;
  readonly output: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
}

/** How much of a command's output an event keeps (enough for a reason, not a log dump). */
const OUTPUT_LIMIT = 2000;

/**
 * Runs one rule command with /bin/sh. A command that outlives `timeoutMs` is
 * killed (its whole process group) and counts as failed, so one hung check never
 * stalls the scan loop.
 */
export function runShell(command: string, timeoutMs: number): Promise<ShellResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    const keep = (chunk: Buffer) => {
      if (output.length < OUTPUT_LIMIT) output += chunk.toString('utf8').slice(0, OUTPUT_LIMIT - output.length);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group already exited between the deadline and the kill
      }
    }, timeoutMs);
    const finish = (exitCode: number) => {
      clearTimeout(timer);
      resolve({ exitCode: timedOut ? 124 : exitCode, output: output.trim(), durationMs: Date.now() - started, timedOut });
    };
    child.on('error', (error) => {
      output += String(error);
      finish(127);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

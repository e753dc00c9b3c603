import type { Clock } from '../core/clock.js';
import { TransportError } from '../core/errors.js';
import type { ExecOptions, ExecResult } from './transport.js';
import type { PowerShellPlan } from './winrm/powershell-command.js';

/** CreateProcess's limit on a command line: what a PowerShell DefaultShell can pass on in one line. */
export const WINDOWS_COMMAND_LINE_LIMIT = 32_767;

/** Runs one command line as it goes on the wire. */
type RunLine = (line: string, options: ExecOptions) => Promise<ExecResult>;

/**
 * Runs a planned PowerShell script on an OpenSSH for Windows host. Its default
 * shell is cmd.exe, which refuses lines over 8191 characters ("The input line
 * is too long"), the same limit as WinRM's cmd shell: a long script goes up in
 * `echo … >> %TEMP%\…` chunks first (planPowerShell), then a short bootstrap
 * runs it. The chunks and the run share the caller's timeout; a failed upload
 * removes what it left in %TEMP%.
 */
export async function runPowerShellPlan(plan: PowerShellPlan, runLine: RunLine, options: ExecOptions, clock: Clock, host: string): Promise<ExecResult> {
  if (plan.uploads.length === 0) return runLine(plan.run, options);
  const started = clock.now();
  const deadline = options.timeoutMs === undefined ? undefined : started + options.timeoutMs;
  const remaining = (): ExecOptions => ({
    ...(options.signal && { signal: options.signal }),
    ...(deadline !== undefined && { timeoutMs: Math.max(1, deadline - clock.now()) }),
  });
  try {
    for (const upload of plan.uploads) {
      const result = await runLine(upload, remaining());
      if (result.exitCode !== 0) {
        throw new TransportError('TRANSPORT_PROTOCOL', host, `uploading a long script to %TEMP% failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
      }
    }
  } catch (error) {
    // Best effort: the host itself may be what failed.
    await runLine(`del /q "%TEMP%\\${plan.stem}.hex"`, { timeoutMs: 10_000 }).catch(() => undefined);
    throw error;
  }
  const result = await runLine(plan.run, remaining());
  return { ...result, durationMs: Math.round(clock.now() - started) };
}

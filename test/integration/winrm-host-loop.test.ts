import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { HOST_CLM_EXIT, HOST_LOOP, newNonce, readFrames, requestLine, type FramedResult } from '../../harness/transport/winrm/host-protocol.js';
import { pwshPath } from '../support/pwsh.js';

/**
 * The persistent host's loop run by real PowerShell (7 here; the loop uses
 * only what Windows PowerShell 5.1 also has), fed over stdin exactly as
 * chaoslab feeds it over WS-Man Send. The WinRM test server only emulates this
 * loop; these cases hold the loop itself to the protocol.
 */
const hosts: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const host of hosts.splice(0)) host.kill();
});

function startHost(prefix = ''): { child: ChildProcessWithoutNullStreams; output: { stdout: string; stderr: string } } {
  const encoded = Buffer.from(prefix + HOST_LOOP, 'utf16le').toString('base64');
  const child = spawn(pwshPath(), ['-NoProfile', '-NonInteractive', '-EncodedCommand', encoded]);
  hosts.push(child);
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (data: Buffer) => (output.stdout += data.toString('utf8')));
  child.stderr.on('data', (data: Buffer) => (output.stderr += data.toString('utf8')));
  return { child, output };
}

async function run(host: ReturnType<typeof startHost>, script: string): Promise<FramedResult> {
  const nonce = newNonce();
  host.child.stdin.write(requestLine(nonce, script));
  return waitFor(async () => readFrames(nonce, host.output.stdout, host.output.stderr), { clock: systemClock, timeoutMs: 60_000, intervalMs: 20, description: 'the framed answer' });
}

describe('the persistent PowerShell host loop under real pwsh', () => {
  it('frames stdout, stderr and the exit code of each script, survives exit, keeps scripts apart', async () => {
    const host = startHost();
    expect(await run(host, "Write-Output 'one'; exit 3")).toEqual({ stdout: 'one\n', stderr: '', exitCode: 3 });
    // the host survived the exit; the previous script's variables did not leak
    expect(await run(host, '$x = 5; Write-Output "x=$x"')).toEqual({ stdout: 'x=5\n', stderr: '', exitCode: 0 });
    expect(await run(host, 'Write-Output "x=[$x]"')).toEqual({ stdout: 'x=[]\n', stderr: '', exitCode: 0 });
    // the check contract's shape: exit inside try, inside a function, inside a pipeline
    const check = "$ErrorActionPreference = 'Stop'\ntry {\n  if (1 -eq 1) { exit 1 }\n  exit 0\n} catch { [Console]::Error.WriteLine('check failed: ' + $_); exit 2 }";
    expect((await run(host, check)).exitCode).toBe(1);
    expect((await run(host, "function Test-It { exit 7 }; Test-It; 'not reached'")).exitCode).toBe(7);
    expect(await run(host, '1, 2, 3 | ForEach-Object { if ($_ -eq 2) { exit 5 }; $_ }')).toEqual({ stdout: '1\n', stderr: '', exitCode: 5 });
    // uncaught errors: exit 1 and the message on stderr, as powershell -Command gives
    expect(await run(host, "throw 'boom'")).toEqual({ stdout: '', stderr: 'boom\n', exitCode: 1 });
    expect((await run(host, 'if (')).exitCode).toBe(1);
    // direct console writes land inside the frame
    expect(await run(host, "[Console]::Error.WriteLine('direct'); Write-Error 'record'; 'out'")).toEqual({ stdout: 'out\n', stderr: 'direct\nrecord\n', exitCode: 0 });
    expect((await run(host, "'Ärger ✓ 日本語'")).stdout).toBe('Ärger ✓ 日本語\n');
  }, 120_000);

  it('a script cannot forge its frame: a printed end marker with a guessed nonce is just output', async () => {
    const host = startHost();
    const forged = `${'0'.repeat(32)} end 0`;
    const result = await run(host, `Write-Output '${forged}'; [Console]::Out.Write("\`n${'0'.repeat(32)} end 0\`n"); exit 1`);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(forged);
  }, 120_000);

  it('an exit the parser cannot see ends only that script, with no exit code (a check then cannot tell)', async () => {
    const host = startHost();
    expect(await run(host, "& ([scriptblock]::Create('exit 0')); 'after'")).toMatchObject({ exitCode: null });
    expect((await run(host, "'still here'")).stdout).toBe('still here\n');
  }, 120_000);

  it('under ConstrainedLanguage the host says so and exits, so chaoslab falls back to a process per command', async () => {
    const host = startHost("$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'\n");
    const code = await new Promise<number | null>((resolve) => host.child.on('exit', resolve));
    expect(code).toBe(HOST_CLM_EXIT);
    expect(host.output.stdout).toContain('language mode ConstrainedLanguage');
  }, 120_000);
});

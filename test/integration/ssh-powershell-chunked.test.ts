import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UTF8_PRELUDE } from '../../harness/quoting/powershell.js';
import { powershellInvocation } from '../../harness/quoting/shell.js';
import { createSshTransport } from '../../harness/transport/ssh.js';
import type { Transport } from '../../harness/transport/transport.js';
import { CMD_LINE_LIMIT } from '../../harness/transport/winrm/powershell-command.js';
import { pwshPath } from '../support/pwsh.js';
import { fixtureTransportContext, sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';
import { tempDir } from '../support/tmp.js';

/**
 * OpenSSH for Windows runs every command through its DefaultShell, cmd.exe by
 * default. The sshd here forces each session through a stand-in for cmd.exe
 * that is as strict as Windows on what matters: `%TEMP%` is expanded first,
 * then a line over 8191 characters is refused with "The input line is too
 * long." ("Command prompt (Cmd.exe) command-line string limitation",
 * learn.microsoft.com/troubleshoot/windows-client/shell-experience/command-line-string-limitation),
 * `echo X >> file` appends "X " and CRLF, `del /q` removes a file; anything
 * else is "not recognized" (exit 9009). `powershell.exe` is real PowerShell 7,
 * so the chunked script is decoded and run for real.
 */
function cmdStandIn(temp: string, log: string, pwsh: string): string {
  return `#!/usr/bin/env node
const { appendFileSync, rmSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const windowsPath = (path) => path.replaceAll('\\\\', '/');
const line = (process.env.SSH_ORIGINAL_COMMAND ?? '').replaceAll('%TEMP%', ${JSON.stringify(temp)});
appendFileSync(${JSON.stringify(log)}, JSON.stringify({ length: line.length, head: line.slice(0, 40) }) + '\\n');
if (line.length > ${CMD_LINE_LIMIT}) { process.stderr.write('The input line is too long.\\r\\n'); process.exit(1); }
let m;
if ((m = /^echo (\\S+) >> "([^"]+)"$/.exec(line))) { appendFileSync(windowsPath(m[2]), m[1] + ' \\r\\n'); process.exit(0); }
if ((m = /^del \\/q "([^"]+)"$/.exec(line))) { rmSync(windowsPath(m[1]), { force: true }); process.exit(0); }
if ((m = /^powershell\\.exe (.*)$/.exec(line))) {
  const run = spawnSync(${JSON.stringify(pwsh)}, m[1].split(' '), { stdio: 'inherit', env: { ...process.env, TEMP: ${JSON.stringify(temp)} } });
  process.exit(run.status ?? 1);
}
process.stderr.write("'" + line.split(' ')[0] + "' is not recognized as an internal or external command,\\r\\noperable program or batch file.\\r\\n");
process.exit(9009);
`;
}

let scratch: Awaited<ReturnType<typeof tempDir>>;
let sshd: SshdFixture;
let transport: Transport;
let temp: string;
let log: string;

beforeAll(async () => {
  scratch = await tempDir('chaoslab-ssh-cmd-');
  temp = join(scratch.path, 'Temp');
  log = join(scratch.path, 'lines.jsonl');
  await mkdir(temp);
  const cmd = join(scratch.path, 'cmd.exe');
  await writeFile(cmd, cmdStandIn(temp, log, pwshPath()));
  await chmod(cmd, 0o755);
  sshd = await startSshd({ extraConfig: [`ForceCommand ${cmd}`] });
  transport = createSshTransport(sshdHostConfig(sshd, { transport: { shell: 'powershell' } }), fixtureTransportContext());
}, 60_000);

afterAll(async () => {
  await transport?.close();
  await sshd?.[Symbol.asyncDispose]();
  await scratch?.[Symbol.asyncDispose]();
});

async function lines(): Promise<{ length: number; head: string }[]> {
  return (await readFile(log, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
}

describe('ssh transport with shell: powershell, a script longer than cmd.exe takes', () => {
  it('goes up in chunks under 8191 characters and runs for real, exit code and output intact', async () => {
    const body = Array.from({ length: 400 }, (_, i) => `$total += ${i} # ünïcödé line ${i} 日本`).join('\n');
    const script = `$total = 0\n${body}\nWrite-Output "total=$total"\nexit 3`;
    expect(powershellInvocation(UTF8_PRELUDE + script).length).toBeGreaterThan(CMD_LINE_LIMIT);
    await writeFile(log, '');
    const result = await transport.exec(script, { timeoutMs: 120_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(`total=${(399 * 400) / 2}`);
    expect(result.exitCode).toBe(3);
    const sent = await lines();
    const uploads = sent.filter((line) => line.head.startsWith('echo '));
    expect(uploads.length).toBeGreaterThan(1);
    expect(sent.at(-1)!.head).toMatch(/^powershell\.exe /);
    expect(Math.max(...sent.map((line) => line.length))).toBeLessThanOrEqual(CMD_LINE_LIMIT);
    // the bootstrap removes the uploaded chunks
    expect(await readdir(temp)).toEqual([]);
  }, 180_000);

  it('a short script is still one line', async () => {
    await writeFile(log, '');
    const result = await transport.exec('Write-Output ("a" + "b")', { timeoutMs: 60_000 });
    expect(result).toMatchObject({ stdout: 'ab\n', exitCode: 0 });
    expect((await lines()).map((line) => line.head.split(' ')[0])).toEqual(['powershell.exe']);
  }, 120_000);
});

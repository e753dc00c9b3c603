import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';
import { runPywinrm } from '../support/winrm-server/pywinrm.js';
import { WinRmTestServer, type WinRmTestServerOptions } from '../support/winrm-server/server.js';

/**
 * Fidelity of the WinRM test server: pywinrm (an independent client that is
 * used against real Windows hosts) must be able to authenticate, run cmd and
 * PowerShell commands, read output and exit codes, survive OperationTimeout
 * faults and encrypt messages over HTTP with NTLM, exactly as with Windows.
 */
const USER = 'labadmin';
const PASSWORD = 'S3cret-pass!';
let server: WinRmTestServer | undefined;

async function start(options: Partial<WinRmTestServerOptions> & Pick<WinRmTestServerOptions, 'auth'>): Promise<WinRmTestServer> {
  server = await WinRmTestServer.start({
    user: USER,
    password: PASSWORD,
    rules: [
      { match: /^ipconfig/, reply: { stdout: 'Windows IP Configuration\r\n', exitCode: 0 } },
      { match: /Get-Service WinRM/, reply: { stdout: 'Running\r\n' } },
      { match: /exit 7/, reply: { stderr: 'boom', exitCode: 7 } },
      { match: /Start-Sleep/, reply: { stdout: 'slept', delayMs: 2500 } },
      { match: /Write-Output 'héllo/, reply: { stdout: 'héllo — ✓ 日本\r\n' } },
    ],
    ...options,
  });
  return server;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('WinRM test server driven by pywinrm', () => {
  it('Basic over HTTP: run_cmd and run_ps, output, exit codes, recorded scripts', async () => {
    const s = await start({ auth: 'basic' });
    const results = await runPywinrm({
      endpoint: s.url, transport: 'basic', user: USER, password: PASSWORD,
      ops: [
        { kind: 'cmd', command: 'ipconfig', args: ['/all'] },
        { kind: 'ps', script: "Get-Service WinRM | Select -Expand Status" },
        // stderr through run_cmd: pywinrm 0.3.0's run_ps crashes on any stderr under Python 3
        { kind: 'cmd', command: 'cmd', args: ['/c', 'exit 7'] },
      ],
    });
    expect(results).toEqual([
      { stdout: 'Windows IP Configuration\r\n', stderr: '', status: 0 },
      { stdout: 'Running\r\n', stderr: '', status: 0 },
      { stdout: '', stderr: 'boom', status: 7 },
    ]);
    expect(s.host.scripts().map((r) => [r.kind, r.script])).toEqual([
      ['cmd', 'ipconfig /all'],
      ['powershell', 'Get-Service WinRM | Select -Expand Status'],
      ['cmd', 'cmd /c exit 7'],
    ]);
    expect(s.host.shells.size).toBe(0); // pywinrm deleted every shell it opened
    expect(s.host.signals.length).toBe(3); // and terminated every command
  });

  it('Basic with a wrong password is refused', async () => {
    const s = await start({ auth: 'basic' });
    const [result] = await runPywinrm({ endpoint: s.url, transport: 'basic', user: USER, password: 'wrong', ops: [{ kind: 'cmd', command: 'ipconfig' }] });
    expect(result).toHaveProperty('error');
    expect((result as { error: string }).error).toMatch(/InvalidCredentials|401|credentials/i);
    expect(s.host.recorded).toHaveLength(0);
  });

  it('NTLM over HTTP: NTLMv2 with MIC verified, every message sealed, UTF-8 output intact', async () => {
    const s = await start({ auth: 'ntlm' });
    const results = await runPywinrm({
      endpoint: s.url, transport: 'ntlm', user: `LAB\\${USER}`, password: PASSWORD,
      ops: [{ kind: 'ps', script: "Write-Output 'héllo'" }, { kind: 'cmd', command: 'ipconfig' }],
    });
    expect(results).toEqual([
      { stdout: 'héllo — ✓ 日本\r\n', stderr: '', status: 0 },
      { stdout: 'Windows IP Configuration\r\n', stderr: '', status: 0 },
    ]);
    expect(s.host.scripts()[0]!.script).toBe("Write-Output 'héllo'"); // UTF-16LE EncodedCommand decoded
    expect(s.logins.length).toBeGreaterThan(0);
    expect(s.logins[0]).toEqual({ user: USER, domain: 'LAB', micVerified: true, channelBinding: 'absent' });
    expect(s.stats.encryptedMessages).toBeGreaterThanOrEqual(8);
    expect(s.stats.plainMessages).toBe(0);
  });

  it('NTLM over HTTPS: plain SOAP inside TLS, login bound to the certificate (CbtHardeningLevel Strict)', async () => {
    const s = await start({ auth: 'ntlm', tls: true, requireChannelBinding: true });
    await using dir = await tempDir('winrm-ca-');
    const ca = join(dir.path, 'ca.pem');
    await writeFile(ca, s.certificate!);
    const [result] = await runPywinrm({ endpoint: s.url, transport: 'ntlm', user: USER, password: PASSWORD, ca_trust_path: ca, ops: [{ kind: 'cmd', command: 'ipconfig' }] });
    expect(result).toEqual({ stdout: 'Windows IP Configuration\r\n', stderr: '', status: 0 });
    expect(s.stats.encryptedMessages).toBe(0);
    expect(s.stats.plainMessages).toBeGreaterThan(0);
    expect(s.logins[0]).toMatchObject({ user: USER, channelBinding: 'verified', micVerified: true });
  });

  it('NTLM with a wrong password is refused', async () => {
    const s = await start({ auth: 'ntlm' });
    const [result] = await runPywinrm({ endpoint: s.url, transport: 'ntlm', user: USER, password: 'nope', ops: [{ kind: 'cmd', command: 'ipconfig' }] });
    expect(result).toHaveProperty('error');
    expect(s.logins).toHaveLength(0);
  });

  it('the OperationTimeout fault is what pywinrm retries on', async () => {
    const s = await start({ auth: 'basic' });
    const [result] = await runPywinrm({
      endpoint: s.url, transport: 'basic', user: USER, password: PASSWORD,
      timeouts: { operation_timeout_sec: 1, read_timeout_sec: 5 },
      ops: [{ kind: 'ps', script: 'Start-Sleep 2' }],
    });
    expect(result).toEqual({ stdout: 'slept', stderr: '', status: 0 });
    expect(s.stats.operationTimeouts).toBeGreaterThanOrEqual(2);
  });

  it('a command line over 8191 characters only once %TEMP% is expanded is refused as cmd.exe refuses it', async () => {
    const s = await start({ auth: 'basic' });
    const target = '"%TEMP%\\chaoslab-00000000-0000-0000-0000-000000000000.b64"';
    const chunk = 'A'.repeat(8191 - 'echo  >> '.length - target.length);
    const [result] = await runPywinrm({ endpoint: s.url, transport: 'basic', user: USER, password: PASSWORD, ops: [{ kind: 'cmd', command: 'echo', args: [chunk, '>>', target] }] });
    expect(result).toEqual({ stdout: '', stderr: 'The input line is too long.\r\n', status: 1 });
    expect(s.host.recorded.map((r) => r.kind)).toEqual(['refused']);
  });
});

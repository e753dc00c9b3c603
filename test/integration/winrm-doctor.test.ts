import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runDoctorCommand } from '../../harness/cli/commands/doctor.js';
import { formatDoctorTable, type DoctorReport } from '../../harness/engine/doctor.js';
import { CONTROLLER_HOST_LINES, startSshd } from '../support/sshd.js';
import { tempDir } from '../support/tmp.js';
import { WinRmTestServer } from '../support/winrm-server/server.js';
import type { ScriptRule } from '../support/winrm-server/shell-host.js';
import { freePort } from '../support/ports.js';

/** `chaoslab doctor` against WinRM test servers standing in for a DC (healthy) and a member server (sick). */
const PASSWORD = 'doctor-pass';
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  delete process.env.CHAOSLAB_DOCTOR_PASSWORD;
  while (open.length) await open.pop()!.close();
});

function windowsHost(skewMs: number, services: string): ScriptRule[] {
  return [
    { match: /Write-Output 'chaoslab-doctor-ok'/, reply: { stdout: 'chaoslab-doctor-ok\r\n' } },
    { match: /UtcNow\.Ticks/, reply: () => ({ stdout: `${Date.now() + skewMs}\r\n` }) },
    { match: /Get-Service -Name \$name/, reply: { stdout: services } },
  ];
}

async function doctor(lab: string): Promise<{ code: number; report: DoctorReport }> {
  const dir = await tempDir('doctor-');
  open.push({ close: () => dir[Symbol.asyncDispose]() });
  const file = join(dir.path, 'lab.yaml');
  await writeFile(file, lab);
  process.env.CHAOSLAB_DOCTOR_PASSWORD = PASSWORD;
  const output: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (output.push(String(chunk)), true));
  const code = await runDoctorCommand({ lab: file, json: true });
  return { code, report: JSON.parse(output.join('')) as DoctorReport };
}

const host = (name: string, role: string, port: number, extra = '') => `
  - name: ${name}
    platform: windows
    roles: [${role}]
${CONTROLLER_HOST_LINES.join('\n')}
    transport: { kind: winrm, scheme: http, auth: ntlm, port: ${port}, user: 'LAB\\chaoslab', password: env:CHAOSLAB_DOCTOR_PASSWORD, operation_timeout: 5s, max_retries: 0 }${extra}`;

describe('chaoslab doctor', () => {
  it('passes a healthy lab: login, command, clock, WinRM running, observers reachable (exit 0)', async () => {
    const dc = await WinRmTestServer.start({ auth: 'ntlm', user: 'chaoslab', password: PASSWORD, rules: windowsHost(30, 'WinRM\trunning\r\nHTTP\trunning\r\nsshd\tabsent\r\nNetlogon\trunning\r\nNTDS\trunning\r\nKdc\trunning\r\nDNS\trunning\r\nW32Time\trunning\r\n') });
    open.push(dc);
    const { code, report } = await doctor(`kind: lab
name: healthy
clock_skew_tolerance: 2s
hosts:${host('dc01', 'dc', dc.port)}
observers:
  - { name: hooks, kind: webhook, insecure_unsigned: true }
`);
    expect(report.checks.map((c) => [c.subject, c.check, c.ok])).toEqual([
      ['dc01', 'login', true],
      ['dc01', 'command', true],
      ['dc01', 'clock', true],
      ['dc01', 'services', true],
      ['hooks', 'observer', true],
    ]);
    expect(report.checks.find((c) => c.check === 'services')!.detail).toBe('running: WinRM, HTTP, Netlogon, NTDS, Kdc, DNS, W32Time; not on this host: sshd');
    expect(code).toBe(0);
    expect(dc.host.shells.size).toBe(0); // the doctor closed its transport
  });

  it('checks a Linux host over real sshd the same way (POSIX commands)', async () => {
    const sshd = await startSshd();
    open.push({ close: async () => { await sshd[Symbol.asyncDispose](); } });
    const { code, report } = await doctor(`kind: lab
name: linux
hosts:
  - name: lin01
    platform: linux
${CONTROLLER_HOST_LINES.join('\n')}
    transport: { kind: ssh, port: ${sshd.port}, user: ${sshd.user}, key: 'file:${sshd.keyPath}', known_hosts: '${sshd.knownHostsPath}' }
    protect: { services: [chaoslab-absent-svc] }
`);
    expect(report.checks.map((c) => [c.check, c.ok])).toEqual([['login', true], ['command', true], ['clock', true], ['services', true]]);
    expect(report.checks[3]!.detail).toBe('not on this host: chaoslab-absent-svc');
    expect(report.checks[2]!.detail).toMatch(/^[+-]\d+ ms ±\d+ ms \(tolerance 2000 ms\)$/);
    expect(code).toBe(0);
  });

  it('fails a sick lab with every problem in the table (exit 3)', async () => {
    const srv = await WinRmTestServer.start({ auth: 'ntlm', user: 'chaoslab', password: PASSWORD, rules: windowsHost(90_000, 'WinRM\trunning\r\nHTTP\trunning\r\nsshd\tabsent\r\nHealingAgent\tstopped\r\n') });
    const ws = await WinRmTestServer.start({ auth: 'ntlm', user: 'someone-else', password: PASSWORD });
    open.push(srv, ws);
    const { code, report } = await doctor(`kind: lab
name: sick
clock_skew_tolerance: 2s
protect: { services: [HealingAgent] }
hosts:${host('srv01', 'srv', srv.port)}${host('ws01', 'ws', ws.port)}
observers:
  - { name: telemetry-api, kind: http, url: 'http://127.0.0.1:${await freePort()}/events', timeout: 2s }
`);
    const byKey = new Map(report.checks.map((c) => [`${c.subject}/${c.check}`, c]));
    expect(byKey.get('srv01/login')!.ok).toBe(true);
    expect(byKey.get('srv01/command')!.ok).toBe(true);
    expect(byKey.get('srv01/clock')).toMatchObject({ ok: false, detail: expect.stringMatching(/^\+(89|90)\d{3} ms ±\d+ ms \(tolerance 2000 ms\)$/) });
    expect(byKey.get('srv01/services')).toMatchObject({ ok: false, detail: expect.stringContaining('STOPPED: HealingAgent') });
    expect(byKey.get('ws01/login')).toMatchObject({ ok: false, detail: expect.stringContaining('authentication') });
    expect(byKey.has('ws01/command')).toBe(false); // nothing else is tried on a host chaoslab cannot log in to
    expect(byKey.get('telemetry-api/observer')!.ok).toBe(false);
    expect(report.ok).toBe(false);
    expect(code).toBe(3);
  });

  it('prints an aligned table with a verdict line', () => {
    const table = formatDoctorTable({
      ok: false,
      checks: [
        { subject: 'dc01', check: 'login', ok: true, detail: 'winrm as LAB\\chaoslab' },
        { subject: 'telemetry-api', check: 'observer', ok: false, detail: 'connect ECONNREFUSED\n127.0.0.1:9' },
      ],
    });
    expect(table).toBe(
      [
        'SUBJECT        CHECK     STATUS  DETAIL',
        'dc01           login     ok      winrm as LAB\\chaoslab',
        'telemetry-api  observer  FAIL    connect ECONNREFUSED 127.0.0.1:9',
        '',
        '1 of 2 checks failed: fix the lab before running scenarios',
      ].join('\n'),
    );
  });
});

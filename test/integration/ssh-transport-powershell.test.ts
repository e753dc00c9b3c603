import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UTF8_PRELUDE } from '../../harness/quoting/powershell.js';
import { createSshTransport } from '../../harness/transport/ssh.js';
import type { Transport } from '../../harness/transport/transport.js';
import { fixtureTransportContext, sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';
import { tempDir } from '../support/tmp.js';

/**
 * There is no Windows host here. What can be checked for real is the wire:
 * the command OpenSSH delivers for a `shell: powershell` host. A stand-in
 * `powershell.exe` on the session's PATH (set by the fixture's sshd) checks the
 * arguments and decodes -EncodedCommand with base64 and iconv, independent of
 * our encoder, then prints the script it received.
 */
const STAND_IN = `#!/bin/sh
[ "$#" -eq 6 ] && [ "$1 $2 $3 $4 $5" = "-NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand" ] || { echo "unexpected arguments: $*" >&2; exit 64; }
printf %s "$6" | base64 -d | iconv -f UTF-16LE -t UTF-8
`;

let scratch: Awaited<ReturnType<typeof tempDir>>;
let sshd: SshdFixture;
let transport: Transport;

beforeAll(async () => {
  scratch = await tempDir('chaoslab-pwsh-');
  const bin = join(scratch.path, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'powershell.exe'), STAND_IN);
  await chmod(join(bin, 'powershell.exe'), 0o755);
  sshd = await startSshd({ extraConfig: [`SetEnv PATH=${bin}:/usr/bin:/bin`] });
  transport = createSshTransport(sshdHostConfig(sshd, { transport: { shell: 'powershell' } }), fixtureTransportContext());
});

afterAll(async () => {
  await transport?.close();
  await sshd?.[Symbol.asyncDispose]();
  await scratch?.[Symbol.asyncDispose]();
});

describe('ssh transport with shell: powershell (OpenSSH for Windows)', () => {
  it('declares the PowerShell shell', () => {
    expect(transport.shell).toBe('powershell');
  });

  it('delivers every script as powershell.exe -EncodedCommand, behind the UTF-8 output prelude, that decodes back exactly', async () => {
    const script = `Set-Content -Path 'C:\\Temp\\a b.txt' -Value 'it''s "quoted" $env:X \`n ü 日本 🦀'\nGet-Item HKLM:\\SOFTWARE | Out-Null; exit 0`;
    const result = await transport.exec(script);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(UTF8_PRELUDE + script);
  });

  it('sends scripts with a timeout the same way (no POSIX kill marker on PowerShell hosts)', async () => {
    const result = await transport.exec('Get-Date', { timeoutMs: 10_000 });
    expect(result.stdout).toBe(`${UTF8_PRELUDE}Get-Date`);
  });

  it('streams output lines of an encoded script', async () => {
    const lines: string[] = [];
    for await (const line of transport.stream('Get-Content -Wait log.txt\nsecond line', { signal: new AbortController().signal })) lines.push(line);
    expect(lines).toEqual([...UTF8_PRELUDE.trimEnd().split('\n'), 'Get-Content -Wait log.txt', 'second line']);
  });

  it('probes with an encoded `exit 0`', async () => {
    await expect(transport.probe()).resolves.toBeUndefined();
  });
});

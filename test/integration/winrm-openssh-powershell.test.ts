import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport } from '../../harness/transport/ssh.js';
import { fixtureTransportContext, sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * The other Windows transport, OpenSSH for Windows (`kind: ssh`, `shell:
 * powershell`), over a real sshd. No PowerShell exists here, so a
 * `powershell.exe` stand-in on the session's PATH decodes -EncodedCommand,
 * records the script and answers; the test checks the script arrives intact
 * through ssh2, sshd and the login shell, and that output and exit codes come back.
 */
const STAND_IN = `#!/bin/sh
while [ $# -gt 0 ]; do
  if [ "$1" = -EncodedCommand ]; then shift; encoded=$1; fi
  shift
done
here=$(dirname "$0")
printf %s "$encoded" | base64 -d | iconv -f UTF-16LE -t UTF-8 > "$here/last-script.ps1"
printf 'h\\303\\251llo \\342\\234\\223\\n'
if grep -q '# fail with CLIXML' "$here/last-script.ps1"; then
  printf '#< CLIXML\\r\\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">check failed: Access is denied._x000D__x000A_</S></Objs>' >&2
else
  printf 'a warning\\n' >&2
fi
code=$(tail -n 1 "$here/last-script.ps1" | sed -n 's/^exit \\([0-9][0-9]*\\)$/\\1/p')
exit \${code:-0}
`;

describe('OpenSSH for Windows: PowerShell over ssh', () => {
  let sshd: SshdFixture;
  let shimDir: string;

  beforeAll(async () => {
    shimDir = await mkdtemp(join(tmpdir(), 'chaoslab-pwsh-shim-'));
    await writeFile(join(shimDir, 'powershell.exe'), STAND_IN);
    await chmod(join(shimDir, 'powershell.exe'), 0o755);
    sshd = await startSshd({ extraConfig: [`SetEnv PATH=${shimDir}:/usr/bin:/bin`] });
  });

  afterAll(async () => {
    await sshd?.[Symbol.asyncDispose]();
    await rm(shimDir, { recursive: true, force: true });
  });

  it('delivers the script byte for byte (quotes, $, backticks, newlines, unicode) and returns output and exit code', async () => {
    const transport = createSshTransport(sshdHostConfig(sshd, { transport: { shell: 'powershell' } }), fixtureTransportContext());
    try {
      const script = "Set-Content -LiteralPath 'C:\\it''s ‘here’' -Value \"$env:X `t\"\n# ünïcödé 日本\nexit 7";
      const result = await transport.exec(script, { timeoutMs: 20_000 });
      expect(result).toMatchObject({ stdout: 'héllo ✓\n', stderr: 'a warning\n', exitCode: 7 });
      expect((await readFile(join(shimDir, 'last-script.ps1'), 'utf8')).endsWith(script)).toBe(true);
      expect(transport.shell).toBe('powershell');
    } finally {
      await transport.close();
    }
  });

  it('decodes the CLIXML PowerShell writes to a redirected stderr', async () => {
    const transport = createSshTransport(sshdHostConfig(sshd, { transport: { shell: 'powershell' } }), fixtureTransportContext());
    try {
      const result = await transport.exec('# fail with CLIXML\nexit 2', { timeoutMs: 20_000 });
      expect(result).toMatchObject({ stderr: 'check failed: Access is denied.\r\n', exitCode: 2 });
    } finally {
      await transport.close();
    }
  });
});

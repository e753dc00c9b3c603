import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { followCommand, measureCommand, parseHeader, parseMeasurement } from '../../harness/observers/log-tail.js';
import { splitLiterals } from '../support/winrm-server/powershell-literals.js';
import { tempDir } from '../support/tmp.js';

/**
 * The log observer's commands. POSIX ones also run for real in
 * observer-log.test.ts (real sshd). There is no Windows host here, so the
 * PowerShell ones are checked as text only: golden, and every value inside
 * its own single-quoted literal (read by the reference tokenizer).
 */
const NASTY_PATH = "C:\\logs\\agent's $(Remove-Item C:\\) `whoami` ‘q’.jsonl";
const run = promisify(execFile);

describe('log tail commands', () => {
  it('POSIX: golden measure and follow commands, the path quoted once', () => {
    expect(measureCommand('posix', "/var/log/it's.log")).toBe(`if [ -e '/var/log/it'\\''s.log' ]; then stat -L -c '%i %s' -- '/var/log/it'\\''s.log'; fi`);
    expect(followCommand('posix', "/var/log/it's.log", { identity: '1234', offset: 5678 })).toMatchSnapshot();
  });

  it('PowerShell: golden commands; path, identity and offset stay literals, never code', () => {
    const measure = measureCommand('powershell', NASTY_PATH);
    const follow = followCommand('powershell', NASTY_PATH, { identity: '638000000000000000', offset: 4096 });
    expect(measure).toMatchSnapshot();
    expect(follow).toMatchSnapshot();
    for (const script of [measure, follow]) {
      const { literals, code } = splitLiterals(script);
      expect(literals).toContain(NASTY_PATH);
      expect(code).not.toMatch(/Remove-Item C:|whoami|agent/);
    }
    expect(splitLiterals(follow).literals).toEqual(expect.arrayContaining(['638000000000000000', '4096']));
    // bytes, not lines: a FileStream seek, no Get-Content
    expect(follow).toMatch(/\$file\.Seek\(\$offset, 'Begin'\)/);
    expect(follow).not.toMatch(/Get-Content|Select-Object/);
  });

  it('measures a real file with the POSIX command: inode and size; nothing for a missing file', async () => {
    await using dir = await tempDir('chaoslab-logtail-');
    const path = join(dir.path, "agent's.log");
    await writeFile(path, 'héllo\r\n');
    const measured = parseMeasurement((await run('/bin/sh', ['-c', measureCommand('posix', path)])).stdout);
    const info = await stat(path);
    expect(measured).toEqual({ identity: String(info.ino), offset: 8 });
    expect(parseMeasurement((await run('/bin/sh', ['-c', measureCommand('posix', join(dir.path, 'none.log'))])).stdout)).toEqual({ identity: '', offset: 0 });
  });

  it('PowerShell: a file is known by its NTFS file id, not its creation time (tunnelling keeps that across rename-then-create)', () => {
    const follow = followCommand('powershell', 'C:\\logs\\agent.jsonl', { identity: '0a1b2c3d-0001000000004f2a', offset: 4096 });
    const measure = measureCommand('powershell', 'C:\\logs\\agent.jsonl');
    for (const script of [measure, follow]) {
      expect(script).not.toMatch(/CreationTime/);
      expect(script).toContain('GetFileInformationByHandle(stream.SafeFileHandle, info)');
    }
    // the volume serial and the 64-bit index, from BY_HANDLE_FILE_INFORMATION's offsets
    expect(follow).toContain('ToUInt32(info, 28).ToString("x8") + "-" + System.BitConverter.ToUInt32(info, 44).ToString("x8") + System.BitConverter.ToUInt32(info, 48).ToString("x8")');
    // start: a different file at the path (or a shorter one) is read from byte 0
    expect(follow).toContain("$identity = [Chaoslab.FileId]::Of($file)\n  if ($identity -ne $wanted -or $file.Length -lt $offset) { $offset = 0 }");
    // while reading: the path is opened anew and its id compared with the held file's
    expect(follow).toMatch(/try \{ \$named = \[System\.IO\.File\]::Open\(\$path, [^)]+\) \} catch \{ break \}\n\s+try \{ \$rotated = \[Chaoslab\.FileId\]::Of\(\$named\) -ne \$identity \} finally \{ \$named\.Dispose\(\) \}\n\s+if \(\$rotated\) \{ break \}/);
    expect(parseMeasurement('0a1b2c3d-0001000000004f2a 8192\r\n')).toEqual({ identity: '0a1b2c3d-0001000000004f2a', offset: 8192 });
  });

  it('reads the header of either shell and refuses anything else', () => {
    expect(parseHeader('chaoslab-tail 42 100\n')).toEqual({ identity: '42', offset: 100 });
    expect(parseHeader('chaoslab-tail 638000000000000000 0\r\n')).toEqual({ identity: '638000000000000000', offset: 0 });
    expect(() => parseHeader('{"kind":"healed"}\n')).toThrow(expect.objectContaining({ code: 'OBSERVER_PROTOCOL' }));
    expect(() => parseMeasurement('no such thing')).toThrow(expect.objectContaining({ code: 'OBSERVER_PROTOCOL' }));
  });
});

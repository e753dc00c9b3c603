import { describe, expect, it } from 'vitest';
import { newNonce, readFrames, requestLine } from '../../harness/transport/winrm/host-protocol.js';

describe('persistent host framing', () => {
  const nonce = 'a'.repeat(32);

  it('reads a script only once both frames are complete', () => {
    const stdout = `${nonce} begin\nout\n${nonce} end 1\n`;
    const stderr = `${nonce} begin\nerr\n${nonce} end\n`;
    expect(readFrames(nonce, stdout, stderr)).toEqual({ stdout: 'out', stderr: 'err', exitCode: 1 });
    expect(readFrames(nonce, stdout, `${nonce} begin\nerr`)).toBeUndefined();
    expect(readFrames(nonce, `${nonce} begin\nout\n${nonce} end 1`, stderr)).toBeUndefined();
  });

  it('an end marker with another nonce is output, not the end', () => {
    const forged = `${'b'.repeat(32)} end 0`;
    const stdout = `${nonce} begin\n${forged}\n\n${nonce} end 2\n`;
    expect(readFrames(nonce, stdout, `${nonce} begin\n\n${nonce} end\n`)).toEqual({ stdout: `${forged}\n`, stderr: '', exitCode: 2 });
  });

  it('no exit code is null; text before the frame is ignored', () => {
    expect(readFrames(nonce, `noise\n${nonce} begin\n\n${nonce} end none\n`, `${nonce} begin\n\n${nonce} end\n`)).toEqual({ stdout: '', stderr: '', exitCode: null });
  });

  it('a request is one line: a fresh nonce and the UTF-8 script in base64', () => {
    const fresh = newNonce();
    expect(fresh).toMatch(/^[0-9a-f]{32}$/);
    expect(newNonce()).not.toBe(fresh);
    const line = requestLine(fresh, "Write-Output 'Ä'\nexit 1").toString('utf8');
    expect(line.endsWith('\n')).toBe(true);
    const [sent, payload] = line.trim().split(' ');
    expect(sent).toBe(fresh);
    expect(Buffer.from(payload!, 'base64').toString('utf8')).toBe("Write-Output 'Ä'\nexit 1");
  });
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { redact, StreamRedactor } from '../../harness/core/redact.js';
import { splitUrlCredentials, withoutUrlPasswords } from '../../harness/core/url-credentials.js';

/**
 * Redaction by construction (issue #25): every common encoding of a secret is
 * precomputed and hidden. The encoded texts come from the real programs a host
 * or a script would use (coreutils base64/base32, xxd, bash's printf %q,
 * Python's html and json modules), not from the code under test.
 */
const secret = `S3cr3t/pa ss+wörd?<&"'`;

function program(command: string, args: readonly string[], input: string): string {
  const result = spawnSync(command, args, { input, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

const python = (code: string, input: string) => program('python3', ['-c', `import sys, html, json, urllib.parse; s = sys.stdin.read(); sys.stdout.write(${code})`], input);

/** What is left of an encoded text once redacted: only the bytes around the secret may survive, a few characters each side. */
function leftOver(text: string): string {
  return redact(text, [secret]).split('[redacted]').join('');
}

describe('redaction of encoded forms', () => {
  it('hex, both cases, also wrapped over lines as xxd -p prints it', () => {
    const hex = program('xxd', ['-p'], secret);
    expect(hex).toContain('\n');
    for (const form of [hex.replaceAll('\n', ''), hex.replaceAll('\n', '').toUpperCase(), hex]) expect(redact(`dump: ${form} end`, [secret])).toMatch(/^dump: \[redacted\]\s*end$/);
  });

  it('base64 of UTF-16LE, the form -EncodedCommand takes, at every alignment inside a longer command', () => {
    for (const prefix of ['', '$', '$x', '$x = "']) {
      const script = `${prefix}${secret}"; Write-Output $x`;
      const encoded = Buffer.from(script, 'utf16le').toString('base64');
      const whole = Buffer.from(secret, 'utf16le').toString('base64');
      expect(redact(encoded, [secret]), prefix).not.toBe(encoded);
      // the encoding of the secret's bytes is gone but for at most 3 characters on each side
      expect(leftOver(encoded).length, prefix).toBeLessThanOrEqual(encoded.length - whole.length + 6);
    }
  });

  it('base32 (coreutils) and base64 of base64 (coreutils twice)', () => {
    const b32 = program('base32', ['-w', '0'], secret);
    expect(redact(`x ${b32} y`, [secret])).toBe('x [redacted] y');
    const inLonger = program('base32', ['-w', '0'], `user=admin;password=${secret};`);
    expect(leftOver(inLonger).length).toBeLessThan(inLonger.length - 30);
    const twice = program('base64', ['-w', '0'], program('base64', ['-w', '0'], `token: ${secret}`));
    expect(redact(twice, [secret])).toContain('[redacted]');
    expect(leftOver(twice).length).toBeLessThan(twice.length / 2);
  });

  it('base64 wrapped over lines (base64 at 76 columns), and a raw secret split across two lines', () => {
    const wrapped = program('base64', ['-w', '16'], `prefix-${secret}-suffix`);
    expect(wrapped.split('\n').length).toBeGreaterThan(3);
    const clean = redact(wrapped, [secret]);
    expect(clean).toContain('[redacted]');
    // the secret's 23 bytes are 31 base64 characters: all but the 3 on each edge are gone, across the line breaks
    expect(leftOver(wrapped).replaceAll('\n', '').length).toBeLessThanOrEqual(wrapped.replaceAll('\n', '').length - 25);
    expect(redact(`first half S3cr3t/pa\r\n ss+wörd?<&"' second`, [secret])).toBe('first half [redacted] second');
    expect(redact(`S3cr3t/pa ss\n+wörd?<&"' second`, [secret])).toBe('[redacted] second');
  });

  it('URL-encoded (Python quote), HTML-escaped (Python html.escape), \\u-escaped JSON (Python json.dumps), printf %q (bash)', () => {
    const forms = {
      quote: python('urllib.parse.quote(s, safe="")', secret),
      html: python('html.escape(s)', secret),
      json: python('json.dumps(s)', secret),
      q: program('bash', ['-c', 'printf %q "$(cat)"'], secret),
    };
    expect(forms.html).toContain('&#x27;');
    expect(forms.json).toContain('\\u00f6');
    expect(forms.q).toContain('\\ ');
    for (const [name, form] of Object.entries(forms)) expect(redact(`<p>${form}</p>`, [secret]), name).toMatch(/^<p>"?\[redacted\]"?<\/p>$/);
  });
});

describe('redaction of a stream written in pieces', () => {
  it('finds a secret cut between two pieces, and one cut across a line break, and holds back no more than it must', () => {
    const stream = new StreamRedactor(() => [secret]);
    const text = `progress 1\nthe token is ${secret} ok\nprogress 2\n`;
    let out = '';
    for (let at = 0; at < text.length; at += 5) out += stream.push(text.slice(at, at + 5));
    out += stream.flush();
    expect(out).toBe('progress 1\nthe token is [redacted] ok\nprogress 2\n');
    const split = new StreamRedactor(() => [secret]);
    const first = split.push('value S3cr3t/pa');
    expect(first).not.toContain('S3cr3t');
    expect(`${first}${split.push('\n ss+wörd?<&"\' done\n')}${split.flush()}`).toBe('value [redacted] done\n');
    // text whose end cannot start a secret is written at once; an end that could is held until the next piece or flush
    expect(new StreamRedactor(() => [secret]).push('nothing here.\n')).toBe('nothing here.\n');
    const held = new StreamRedactor(() => [secret]);
    expect(held.push('count: 5')).toBe('count: ');
    expect(held.flush()).toBe('5');
  });
});

describe('credentials in URLs', () => {
  it('are cut out of any text, and split into a URL without them and an Authorization header', () => {
    expect(withoutUrlPasswords('GET http://ops:p@ss:w0rd@127.0.0.1:9093/api/v2/alerts failed; "https://u:tok@h/x"')).toBe('GET http://ops:[redacted]@127.0.0.1:9093/api/v2/alerts failed; "https://u:[redacted]@h/x"');
    expect(redact('--pushgateway http://ci:s3cret-push@127.0.0.1:9091', [])).toBe('--pushgateway http://ci:[redacted]@127.0.0.1:9091');
    const split = splitUrlCredentials('http://ci:s3cret%40push@127.0.0.1:9091/base');
    expect(split).toEqual({ url: 'http://127.0.0.1:9091/base', authorization: `Basic ${Buffer.from('ci:s3cret@push').toString('base64')}`, secrets: ['s3cret%40push', 's3cret@push'] });
    expect(splitUrlCredentials('http://127.0.0.1:9091/')).toEqual({ url: 'http://127.0.0.1:9091/', secrets: [] });
  });
});

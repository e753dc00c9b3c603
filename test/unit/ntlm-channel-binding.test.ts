import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificateHash, channelBindingsHash } from '../../harness/transport/winrm/channel-binding.js';
import { authenticateMessage, negotiateMessage, parseChallenge, splitAccount } from '../../harness/transport/winrm/ntlm.js';
import { tempDir } from '../support/tmp.js';
import { NtlmAcceptor } from '../support/winrm-server/ntlm-acceptor.js';

async function certificate(digest: 'sha256' | 'sha384' | 'sha1'): Promise<Buffer> {
  await using dir = await tempDir('cbt-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', `-${digest}`, '-nodes', '-keyout', join(dir.path, 'k.pem'), '-out', join(dir.path, 'c.pem'), '-days', '1', '-subj', '/CN=cbt'], { stdio: 'ignore' });
  return new X509Certificate(readFileSync(join(dir.path, 'c.pem'))).raw;
}

describe('NTLM channel binding (tls-server-end-point)', () => {
  it('hashes the certificate with its signature hash, SHA-256 for SHA-1 (RFC 5929 4.1)', async () => {
    for (const digest of ['sha256', 'sha384', 'sha1'] as const) {
      const der = await certificate(digest);
      expect(certificateHash(der).equals(createHash(digest === 'sha1' ? 'sha256' : digest).update(der).digest())).toBe(true);
    }
  });

  it('binds the gss_channel_bindings_struct layout: zero addresses, then the application data', async () => {
    const der = await certificate('sha256');
    const data = Buffer.concat([Buffer.from('tls-server-end-point:'), createHash('sha256').update(der).digest()]);
    const struct = Buffer.concat([Buffer.alloc(16), Buffer.from([data.length, 0, 0, 0]), data]);
    expect(channelBindingsHash(der).equals(createHash('md5').update(struct).digest())).toBe(true);
  });

  it('the acceptor takes the right binding, refuses a wrong one, and a missing one when strict', async () => {
    const der = await certificate('sha256');
    const other = await certificate('sha256');
    const login = (binding: Buffer | undefined, strict: boolean) => {
      const acceptor = new NtlmAcceptor({ user: 'chaoslab', password: 'pw', channelBindings: channelBindingsHash(der), requireChannelBinding: strict });
      const negotiate = negotiateMessage();
      const challenge = parseChallenge(acceptor.challengeFor(negotiate));
      const { message } = authenticateMessage(negotiate, challenge, splitAccount('LAB\\chaoslab', 'pw'), binding ? { channelBindings: binding } : {});
      return acceptor.accept(message)?.channelBinding;
    };
    expect(login(channelBindingsHash(der), true)).toBe('verified');
    expect(login(channelBindingsHash(other), false)).toBeUndefined();
    expect(login(undefined, true)).toBeUndefined();
    expect(login(undefined, false)).toBe('absent');
  });
});

import { describe, expect, it } from 'vitest';
import { md4 } from '../../harness/transport/winrm/md4.js';
import { clientBlob, computeNtlmv2, NtlmSessionSecurity, ntowfv1, ntowfv2, sealKey, signKey } from '../../harness/transport/winrm/ntlm-crypto.js';
import { authenticateMessage, AvId, encodeAvPairs, negotiateMessage, parseAvPairs, parseChallenge, readField, splitAccount } from '../../harness/transport/winrm/ntlm.js';
import { rc4Once } from '../../harness/transport/winrm/rc4.js';

const hex = (value: string) => Buffer.from(value.replace(/\s+/g, ''), 'hex');

describe('MD4 (RFC 1320 appendix A.5 test suite)', () => {
  const suite: [string, string][] = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ];
  it.each(suite)('MD4(%j)', (input, digest) => {
    expect(md4(input).toString('hex')).toBe(digest);
  });

  it('handles inputs around the 56-byte padding boundary', () => {
    // 55 bytes fit one block with the length; 56 need a second block: digests must differ and be stable.
    expect(md4('x'.repeat(55)).equals(md4('x'.repeat(56)))).toBe(false);
    expect(md4(Buffer.alloc(64, 1)).toString('hex')).toHaveLength(32);
  });
});

/** MS-NLMP 4.2.1 common values and 4.2.4 NTLMv2 examples. */
describe('NTLMv2 against the MS-NLMP 4.2.4 test vectors', () => {
  const user = 'User';
  const domain = 'Domain';
  const password = 'Password';
  const serverChallenge = hex('0123456789abcdef');
  const clientChallenge = hex('aaaaaaaaaaaaaaaa');
  const timestamp = Buffer.alloc(8);
  const randomSessionKey = Buffer.alloc(16, 0x55);
  const targetInfo = encodeAvPairs([
    { id: AvId.NB_DOMAIN, value: Buffer.from('Domain', 'utf16le') },
    { id: AvId.NB_COMPUTER, value: Buffer.from('Server', 'utf16le') },
  ]);

  it('encodes the example target info byte for byte', () => {
    expect(targetInfo.toString('hex')).toBe('02000c0044006f006d00610069006e0001000c005300650072007600650072000000' + '0000');
  });

  it('NTOWFv1 and NTOWFv2 (4.2.4.1.1)', () => {
    expect(ntowfv1(password).toString('hex')).toBe('a4f49c406510bdcab6824ee7c30fd852');
    expect(ntowfv2(password, user, domain).toString('hex')).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
  });

  it('the user name is case-insensitive, the domain is not', () => {
    expect(ntowfv2(password, 'user', domain).equals(ntowfv2(password, user, domain))).toBe(true);
    expect(ntowfv2(password, user, 'domain').equals(ntowfv2(password, user, domain))).toBe(false);
  });

  const response = computeNtlmv2({ responseKey: ntowfv2(password, user, domain), serverChallenge, clientChallenge, timestamp, targetInfo });

  it('LMv2 response, NTProofStr, temp and session base key (4.2.4.2)', () => {
    expect(response.lmChallengeResponse.toString('hex')).toBe('86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
    expect(response.ntProofStr.toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    expect(clientBlob({ clientChallenge, timestamp, targetInfo }).toString('hex')).toBe(
      '01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000' + targetInfo.toString('hex') + '00000000',
    );
    expect(response.sessionBaseKey.toString('hex')).toBe('8de40ccadbc14a82f15cb0ad0de95ca3');
  });

  it('encrypted random session key (4.2.4.2.3) and the derived sign/seal keys (4.2.4.4)', () => {
    expect(rc4Once(response.sessionBaseKey, randomSessionKey).toString('hex')).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
    expect(signKey(randomSessionKey, 'client-to-server').toString('hex')).toBe('4788dc861b4782f35d43fd98fe1a2d39');
    expect(sealKey(randomSessionKey, 'client-to-server').toString('hex')).toBe('59f600973cc4960a25480a7c196e4c58');
  });

  it('GSS_WrapEx example: sealed "Plaintext" and its signature, both directions (4.2.4.4)', () => {
    const plaintext = Buffer.from('Plaintext', 'utf16le');
    const client = new NtlmSessionSecurity(randomSessionKey, 'client');
    const sealed = client.wrap(plaintext);
    expect(sealed.sealed.toString('hex')).toBe('54e50165bf1936dc996020c1811b0f06fb5f');
    expect(sealed.signature.toString('hex')).toBe('010000007fb38ec5c55d497600000000');
    const server = new NtlmSessionSecurity(randomSessionKey, 'server');
    expect(server.unwrap(sealed.sealed, sealed.signature).toString('utf16le')).toBe('Plaintext');
    const reply = server.wrap(plaintext);
    expect(reply.sealed.toString('hex')).toBe('160871b730ba74e946c453d7465b54278dd0');
    expect(reply.signature.toString('hex')).toBe('01000000b298b847ce7c580700000000');
  });

  it('a tampered sealed message fails verification', () => {
    const client = new NtlmSessionSecurity(randomSessionKey, 'client');
    const server = new NtlmSessionSecurity(randomSessionKey, 'server');
    const { sealed, signature } = client.wrap(Buffer.from('<s:Envelope/>'));
    sealed[0] = sealed[0]! ^ 1;
    expect(() => server.unwrap(sealed, signature)).toThrow(/signature mismatch/);
  });

  it('builds an AUTHENTICATE message whose fields carry the 4.2.4 responses', () => {
    const challengeRaw = Buffer.alloc(56 + targetInfo.length);
    Buffer.from('NTLMSSP\0', 'latin1').copy(challengeRaw);
    challengeRaw.writeUInt32LE(2, 8);
    challengeRaw.writeUInt32LE(0xe28a8233, 20); // the example's challenge flags
    serverChallenge.copy(challengeRaw, 24);
    challengeRaw.writeUInt16LE(targetInfo.length, 40);
    challengeRaw.writeUInt16LE(targetInfo.length, 42);
    challengeRaw.writeUInt32LE(56, 44);
    targetInfo.copy(challengeRaw, 56);
    const challenge = parseChallenge(challengeRaw);
    expect(parseAvPairs(challenge.targetInfo)).toHaveLength(2);
    const { message } = authenticateMessage(negotiateMessage(), challenge, splitAccount('Domain\\User', password), {
      clientChallenge,
      exportedSessionKey: randomSessionKey,
      nowMs: Date.UTC(1601, 0, 1),
    });
    expect(readField(message, 12).toString('hex')).toBe('86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
    expect(readField(message, 20).subarray(0, 16).toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    expect(readField(message, 28).toString('utf16le')).toBe('Domain');
    expect(readField(message, 36).toString('utf16le')).toBe('User');
    expect(readField(message, 52).toString('hex')).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
  });

  it('splits DOMAIN\\user and user@domain', () => {
    expect(splitAccount('CORP\\svc', 'p')).toEqual({ domain: 'CORP', user: 'svc', password: 'p' });
    expect(splitAccount('svc@corp.example', 'p')).toEqual({ domain: 'corp.example', user: 'svc', password: 'p' });
    expect(splitAccount('Administrator', 'p')).toEqual({ domain: '', user: 'Administrator', password: 'p' });
  });
});

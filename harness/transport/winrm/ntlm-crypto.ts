import { createHash, createHmac } from 'node:crypto';
import { md4 } from './md4.js';
import { Rc4 } from './rc4.js';

/** NTLMv2 computations of MS-NLMP 3.3.2 and the session keys of 3.4.5. */

export function hmacMd5(key: Buffer, ...parts: Buffer[]): Buffer {
  const mac = createHmac('md5', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** NTOWFv1: MD4 of the UTF-16LE password (the "NT hash"). */
export function ntowfv1(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

/** NTOWFv2: the user name is upper-cased, the domain is used as given. */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(ntowfv1(password), Buffer.from(user.toUpperCase() + domain, 'utf16le'));
}

export interface Ntlmv2Inputs {
  readonly responseKey: Buffer;
  readonly serverChallenge: Buffer;
  readonly clientChallenge: Buffer;
  /** FILETIME (100 ns since 1601), 8 bytes little-endian */
  readonly timestamp: Buffer;
  /** The AV pairs the client sends back (the server's, possibly with MsvAvFlags added). */
  readonly targetInfo: Buffer;
}

export interface Ntlmv2Response {
  readonly ntProofStr: Buffer;
  /** NTProofStr followed by the client's blob ("temp") */
  readonly ntChallengeResponse: Buffer;
  readonly lmChallengeResponse: Buffer;
  readonly sessionBaseKey: Buffer;
}

/** The NTLMv2_CLIENT_CHALLENGE structure ("temp" in the spec's pseudocode). */
export function clientBlob(inputs: Pick<Ntlmv2Inputs, 'clientChallenge' | 'timestamp' | 'targetInfo'>): Buffer {
  return Buffer.concat([
    Buffer.from([0x01, 0x01, 0, 0, 0, 0, 0, 0]),
    inputs.timestamp,
    inputs.clientChallenge,
    Buffer.alloc(4),
    inputs.targetInfo,
    Buffer.alloc(4),
  ]);
}

export function computeNtlmv2(inputs: Ntlmv2Inputs): Ntlmv2Response {
  const temp = clientBlob(inputs);
  const ntProofStr = hmacMd5(inputs.responseKey, inputs.serverChallenge, temp);
  return {
    ntProofStr,
    ntChallengeResponse: Buffer.concat([ntProofStr, temp]),
    lmChallengeResponse: Buffer.concat([hmacMd5(inputs.responseKey, inputs.serverChallenge, inputs.clientChallenge), inputs.clientChallenge]),
    sessionBaseKey: hmacMd5(inputs.responseKey, ntProofStr),
  };
}

type Direction = 'client-to-server' | 'server-to-client';

/** SIGNKEY with extended session security (MS-NLMP 3.4.5.2). */
export function signKey(exportedSessionKey: Buffer, direction: Direction): Buffer {
  return createHash('md5').update(exportedSessionKey).update(`session key to ${direction} signing key magic constant\0`, 'latin1').digest();
}

/** SEALKEY with extended session security and 128-bit keys (MS-NLMP 3.4.5.3). */
export function sealKey(exportedSessionKey: Buffer, direction: Direction): Buffer {
  return createHash('md5').update(exportedSessionKey).update(`session key to ${direction} sealing key magic constant\0`, 'latin1').digest();
}

/** Windows FILETIME for a JavaScript epoch-ms time. */
export function fileTime(epochMs: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((BigInt(Math.round(epochMs)) + 11_644_473_600_000n) * 10_000n);
  return out;
}

/**
 * Confidentiality and integrity for one side of an NTLM session (GSS_WrapEx /
 * GSS_UnwrapEx with extended session security and key exchange): RC4 sealing
 * with a persistent handle per direction, HMAC-MD5 checksums encrypted with
 * the same handle, and sequence numbers counted per direction.
 */
export class NtlmSessionSecurity {
  private readonly outSignKey: Buffer;
  private readonly inSignKey: Buffer;
  private readonly outSeal: Rc4;
  private readonly inSeal: Rc4;
  private outSeq = 0;
  private inSeq = 0;

  constructor(exportedSessionKey: Buffer, side: 'client' | 'server') {
    const [outgoing, incoming]: [Direction, Direction] = side === 'client' ? ['client-to-server', 'server-to-client'] : ['server-to-client', 'client-to-server'];
    this.outSignKey = signKey(exportedSessionKey, outgoing);
    this.inSignKey = signKey(exportedSessionKey, incoming);
    this.outSeal = new Rc4(sealKey(exportedSessionKey, outgoing));
    this.inSeal = new Rc4(sealKey(exportedSessionKey, incoming));
  }

  /** Seals `message`; returns the ciphertext and the 16-byte signature. */
  wrap(message: Buffer): { sealed: Buffer; signature: Buffer } {
    const sealed = this.outSeal.update(message);
    const signature = this.sign(this.outSignKey, this.outSeal, this.outSeq, message);
    this.outSeq += 1;
    return { sealed, signature };
  }

  /** Unseals and verifies; throws when the signature does not match. */
  unwrap(sealed: Buffer, signature: Buffer): Buffer {
    const message = this.inSeal.update(sealed);
    const expected = this.sign(this.inSignKey, this.inSeal, this.inSeq, message);
    this.inSeq += 1;
    if (!expected.equals(signature)) throw new Error('NTLM message signature mismatch (wrong key or out-of-order message)');
    return message;
  }

  private sign(key: Buffer, seal: Rc4, sequence: number, message: Buffer): Buffer {
    const seq = Buffer.alloc(4);
    seq.writeUInt32LE(sequence);
    const checksum = seal.update(hmacMd5(key, seq, message).subarray(0, 8));
    return Buffer.concat([Buffer.from([1, 0, 0, 0]), checksum, seq]);
  }
}

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { md4 } from '../../../harness/transport/winrm/md4.js';
import { NtlmSessionSecurity } from '../../../harness/transport/winrm/ntlm-crypto.js';
import { rc4Once } from '../../../harness/transport/winrm/rc4.js';

/**
 * The server side of NTLMv2 as a Windows host runs it (MS-NLMP 3.2.5): issue a
 * CHALLENGE with target info and a timestamp, then check the client's
 * NTProofStr against the known password, recover the exported session key and
 * verify the MIC. Written apart from the client's message code on purpose; it
 * shares only the primitives (MD4, RC4, sealing) that the spec vectors pin down.
 */
const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
const FLAGS = {
  UNICODE: 0x1, REQUEST_TARGET: 0x4, SIGN: 0x10, SEAL: 0x20, NTLM: 0x200, ALWAYS_SIGN: 0x8000,
  TARGET_TYPE_DOMAIN: 0x10000, ESS: 0x80000, TARGET_INFO: 0x800000, VERSION: 0x2000000,
  KEY_128: 0x20000000, KEY_EXCH: 0x40000000, KEY_56: 0x80000000,
};

const hmac = (key: Buffer, ...parts: Buffer[]) => parts.reduce((mac, part) => mac.update(part), createHmac('md5', key)).digest();
const utf16 = (text: string) => Buffer.from(text, 'utf16le');

function avPair(id: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(id, 0);
  header.writeUInt16LE(value.length, 2);
  return Buffer.concat([header, value]);
}

function field(message: Buffer, at: number): Buffer {
  const length = message.readUInt16LE(at);
  const offset = message.readUInt32LE(at + 4);
  return message.subarray(offset, offset + length);
}

export interface AcceptedLogin {
  readonly user: string;
  readonly domain: string;
  readonly security: NtlmSessionSecurity;
  readonly micVerified: boolean;
  /** Whether the client bound the login to this TLS certificate (MsvAvChannelBindings). */
  readonly channelBinding: 'verified' | 'absent';
}

export interface AcceptorOptions {
  readonly user: string;
  readonly password: string;
  /** Expected MsvAvChannelBindings value over HTTPS; a different non-zero value is refused. */
  readonly channelBindings?: Buffer;
  /** CbtHardeningLevel=Strict: refuse logins without a channel binding. */
  readonly requireChannelBinding?: boolean;
}

/** The AV pairs of the client's NTLMv2 blob (they start after its 28-byte fixed header). */
function blobPairs(blob: Buffer): Map<number, Buffer> {
  const pairs = new Map<number, Buffer>();
  for (let offset = 28; offset + 4 <= blob.length; ) {
    const id = blob.readUInt16LE(offset);
    const length = blob.readUInt16LE(offset + 2);
    if (id === 0) break;
    pairs.set(id, blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return pairs;
}

export class NtlmAcceptor {
  private negotiate: Buffer | undefined;
  private challenge: Buffer | undefined;
  private serverChallenge = Buffer.alloc(8);

  constructor(private readonly account: AcceptorOptions) {}

  /** Answers a NEGOTIATE with a CHALLENGE. */
  challengeFor(negotiate: Buffer): Buffer {
    if (!negotiate.subarray(0, 8).equals(SIGNATURE) || negotiate.readUInt32LE(8) !== 1) throw new Error('expected NTLM NEGOTIATE');
    this.negotiate = negotiate;
    this.serverChallenge = randomBytes(8);
    const timestamp = Buffer.alloc(8);
    timestamp.writeBigUInt64LE((BigInt(Date.now()) + 11_644_473_600_000n) * 10_000n);
    const targetName = utf16('LAB');
    const targetInfo = Buffer.concat([
      avPair(2, utf16('LAB')),
      avPair(1, utf16('WINRM-TEST')),
      avPair(4, utf16('lab.test')),
      avPair(3, utf16('winrm-test.lab.test')),
      avPair(7, timestamp),
      Buffer.alloc(4),
    ]);
    // Like Windows, always answer in Unicode (ntlm_auth's NEGOTIATE asks for OEM only, yet expects Unicode).
    const flags = (negotiate.readUInt32LE(12) & (FLAGS.SIGN | FLAGS.SEAL | FLAGS.ALWAYS_SIGN | FLAGS.ESS | FLAGS.VERSION | FLAGS.KEY_128 | FLAGS.KEY_EXCH | FLAGS.KEY_56))
      | FLAGS.UNICODE | FLAGS.NTLM | FLAGS.TARGET_INFO | FLAGS.TARGET_TYPE_DOMAIN | FLAGS.REQUEST_TARGET;
    const message = Buffer.alloc(56);
    SIGNATURE.copy(message);
    message.writeUInt32LE(2, 8);
    message.writeUInt16LE(targetName.length, 12);
    message.writeUInt16LE(targetName.length, 14);
    message.writeUInt32LE(56, 16);
    message.writeUInt32LE(flags >>> 0, 20);
    this.serverChallenge.copy(message, 24);
    message.writeUInt16LE(targetInfo.length, 40);
    message.writeUInt16LE(targetInfo.length, 42);
    message.writeUInt32LE(56 + targetName.length, 44);
    Buffer.from([10, 0, 0x7c, 0x4f, 0, 0, 0, 15]).copy(message, 48);
    this.challenge = Buffer.concat([message, targetName, targetInfo]);
    return this.challenge;
  }

  /** Checks an AUTHENTICATE; returns the login or undefined when the proof is wrong. */
  accept(authenticate: Buffer): AcceptedLogin | undefined {
    if (!this.challenge || !this.negotiate) throw new Error('AUTHENTICATE before CHALLENGE on this connection');
    if (!authenticate.subarray(0, 8).equals(SIGNATURE) || authenticate.readUInt32LE(8) !== 3) throw new Error('expected NTLM AUTHENTICATE');
    const nt = field(authenticate, 20);
    const domain = field(authenticate, 28).toString('utf16le');
    const user = field(authenticate, 36).toString('utf16le');
    const flags = authenticate.readUInt32LE(60);
    if (nt.length < 48 || user.toLowerCase() !== this.account.user.toLowerCase()) return undefined;
    const responseKey = hmac(md4(utf16(this.account.password)), utf16(user.toUpperCase() + domain));
    const proof = nt.subarray(0, 16);
    const blob = nt.subarray(16);
    if (!timingSafeEqual(hmac(responseKey, this.serverChallenge, blob), proof)) return undefined;
    const sessionBaseKey = hmac(responseKey, proof);
    const exported = flags & FLAGS.KEY_EXCH ? rc4Once(sessionBaseKey, field(authenticate, 52)) : sessionBaseKey;
    const pairs = blobPairs(blob);
    const binding = pairs.get(10);
    const bound = binding !== undefined && !binding.equals(Buffer.alloc(16));
    if (bound && this.account.channelBindings && !binding.equals(this.account.channelBindings)) return undefined;
    if (!bound && this.account.requireChannelBinding) return undefined;
    const micVerified = this.verifyMic(authenticate, pairs, exported);
    if (micVerified === false) return undefined;
    return { user, domain, security: new NtlmSessionSecurity(exported, 'server'), micVerified: micVerified === true, channelBinding: bound ? 'verified' : 'absent' };
  }

  /** true: MIC present and right; false: present and wrong; undefined: the client sent none. */
  private verifyMic(authenticate: Buffer, pairs: Map<number, Buffer>, exported: Buffer): boolean | undefined {
    const flags = pairs.get(6);
    if (!flags || !(flags.readUInt32LE(0) & 0x2)) return undefined;
    const mic = Buffer.from(authenticate.subarray(72, 88));
    const zeroed = Buffer.from(authenticate);
    zeroed.fill(0, 72, 88);
    return hmac(exported, this.negotiate!, this.challenge!, zeroed).equals(mic);
  }
}

import { randomBytes } from 'node:crypto';
import { computeNtlmv2, fileTime, hmacMd5, NtlmSessionSecurity, ntowfv2 } from './ntlm-crypto.js';
import { rc4Once } from './rc4.js';

/** NTLMSSP messages of MS-NLMP 2.2.1, client side, NTLMv2 only. */

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

export const NegotiateFlag = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  KEY_128: 0x20000000,
  KEY_EXCH: 0x40000000,
  KEY_56: 0x80000000,
} as const;

export const CLIENT_FLAGS = Object.values(NegotiateFlag).reduce((all, flag) => (all | flag) >>> 0, 0);

export const AvId = { EOL: 0, NB_COMPUTER: 1, NB_DOMAIN: 2, DNS_COMPUTER: 3, DNS_DOMAIN: 4, FLAGS: 6, TIMESTAMP: 7, CHANNEL_BINDINGS: 10 } as const;
const AV_FLAG_MIC_PRESENT = 0x2;

/** Windows 10 build 19041, NTLM revision 15: the version fields are informational. */
const VERSION = Buffer.from([10, 0, 0x61, 0x4a, 0, 0, 0, 15]);

export class NtlmError extends Error {}

export interface AvPair {
  readonly id: number;
  readonly value: Buffer;
}

export function parseAvPairs(buffer: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let offset = 0;
  while (offset + 4 <= buffer.length) {
    const id = buffer.readUInt16LE(offset);
    const length = buffer.readUInt16LE(offset + 2);
    if (id === AvId.EOL) return pairs;
    if (offset + 4 + length > buffer.length) throw new NtlmError('NTLM target info: AV pair runs past the end');
    pairs.push({ id, value: buffer.subarray(offset + 4, offset + 4 + length) });
    offset += 4 + length;
  }
  throw new NtlmError('NTLM target info: missing MsvAvEOL');
}

export function encodeAvPairs(pairs: readonly AvPair[]): Buffer {
  const parts = pairs.flatMap((pair) => {
    const header = Buffer.alloc(4);
    header.writeUInt16LE(pair.id);
    header.writeUInt16LE(pair.value.length, 2);
    return [header, pair.value];
  });
  return Buffer.concat([...parts, Buffer.alloc(4)]);
}

/** Reads a (length, maxLength, offset) field descriptor. */
export function readField(message: Buffer, at: number): Buffer {
  const length = message.readUInt16LE(at);
  const offset = message.readUInt32LE(at + 4);
  if (offset + length > message.length) throw new NtlmError(`NTLM message field at ${at} runs past the end`);
  return message.subarray(offset, offset + length);
}

export function checkHeader(message: Buffer, type: number): void {
  if (message.length < 12 || !message.subarray(0, 8).equals(SIGNATURE) || message.readUInt32LE(8) !== type) {
    throw new NtlmError(`not an NTLMSSP type ${type} message`);
  }
}

export function negotiateMessage(flags = CLIENT_FLAGS): Buffer {
  const message = Buffer.alloc(40);
  SIGNATURE.copy(message);
  message.writeUInt32LE(1, 8);
  message.writeUInt32LE(flags, 12);
  // Domain and workstation fields stay empty (offsets point at the end).
  message.writeUInt32LE(40, 20);
  message.writeUInt32LE(40, 28);
  VERSION.copy(message, 32);
  return message;
}

export interface ChallengeMessage {
  readonly flags: number;
  readonly serverChallenge: Buffer;
  readonly targetInfo: Buffer;
  readonly raw: Buffer;
}

export function parseChallenge(raw: Buffer): ChallengeMessage {
  checkHeader(raw, 2);
  if (raw.length < 48) throw new NtlmError('NTLM challenge message too short');
  const flags = raw.readUInt32LE(20);
  return { flags, serverChallenge: raw.subarray(24, 32), targetInfo: flags & NegotiateFlag.TARGET_INFO ? readField(raw, 40) : Buffer.alloc(0), raw };
}

export interface Credentials {
  readonly user: string;
  readonly domain: string;
  readonly password: string;
}

/** `DOMAIN\user` or `user@domain` → parts; a bare name has an empty domain (a local account). */
export function splitAccount(account: string, password: string): Credentials {
  const backslash = account.indexOf('\\');
  if (backslash >= 0) return { domain: account.slice(0, backslash), user: account.slice(backslash + 1), password };
  const at = account.lastIndexOf('@');
  if (at > 0) return { user: account.slice(0, at), domain: account.slice(at + 1), password };
  return { user: account, domain: '', password };
}

export interface AuthenticateResult {
  readonly message: Buffer;
  /** Present when the server agreed to sealing: used for HTTP message encryption. */
  readonly security: NtlmSessionSecurity;
}

export interface AuthenticateOptions {
  readonly nowMs?: number;
  readonly clientChallenge?: Buffer;
  readonly exportedSessionKey?: Buffer;
  /** MD5 channel-bindings hash of the TLS certificate (channel-binding.ts), over HTTPS. */
  readonly channelBindings?: Buffer;
}

export function authenticateMessage(
  negotiate: Buffer,
  challenge: ChallengeMessage,
  credentials: Credentials,
  options: AuthenticateOptions = {},
): AuthenticateResult {
  const flags = (challenge.flags & CLIENT_FLAGS) >>> 0;
  if (!(flags & NegotiateFlag.EXTENDED_SESSIONSECURITY) || !(flags & NegotiateFlag.TARGET_INFO)) {
    throw new NtlmError('the server did not offer NTLMv2 (extended session security with target info)');
  }
  const serverPairs = parseAvPairs(challenge.targetInfo);
  const serverTime = serverPairs.find((pair) => pair.id === AvId.TIMESTAMP)?.value;
  // With a server timestamp, MS-NLMP 3.1.5.1.2 asks for a MIC and an empty LM response.
  const ownIds: number[] = [AvId.FLAGS, AvId.CHANNEL_BINDINGS];
  const pairs = [
    ...serverPairs.filter((pair) => !ownIds.includes(pair.id)),
    ...(serverTime ? [{ id: AvId.FLAGS, value: flagValue(serverPairs) }] : []),
    ...(options.channelBindings ? [{ id: AvId.CHANNEL_BINDINGS, value: options.channelBindings }] : []),
  ];
  const response = computeNtlmv2({
    responseKey: ntowfv2(credentials.password, credentials.user, credentials.domain),
    serverChallenge: challenge.serverChallenge,
    clientChallenge: options.clientChallenge ?? randomBytes(8),
    timestamp: serverTime ?? fileTime(options.nowMs ?? Date.now()),
    targetInfo: encodeAvPairs(pairs),
  });
  const exportedSessionKey = flags & NegotiateFlag.KEY_EXCH ? (options.exportedSessionKey ?? randomBytes(16)) : response.sessionBaseKey;
  const encryptedKey = flags & NegotiateFlag.KEY_EXCH ? rc4Once(response.sessionBaseKey, exportedSessionKey) : Buffer.alloc(0);
  const payload = [
    serverTime ? Buffer.alloc(24) : response.lmChallengeResponse,
    response.ntChallengeResponse,
    Buffer.from(credentials.domain, 'utf16le'),
    Buffer.from(credentials.user, 'utf16le'),
    Buffer.alloc(0), // workstation: not sent
    encryptedKey,
  ];
  const headerLength = 88;
  const message = Buffer.alloc(headerLength + payload.reduce((sum, part) => sum + part.length, 0));
  SIGNATURE.copy(message);
  message.writeUInt32LE(3, 8);
  let offset = headerLength;
  payload.forEach((part, index) => {
    const at = 12 + index * 8;
    message.writeUInt16LE(part.length, at);
    message.writeUInt16LE(part.length, at + 2);
    message.writeUInt32LE(offset, at + 4);
    part.copy(message, offset);
    offset += part.length;
  });
  message.writeUInt32LE(flags, 60);
  VERSION.copy(message, 64);
  if (serverTime) hmacMd5(exportedSessionKey, negotiate, challenge.raw, message).copy(message, 72);
  return { message, security: new NtlmSessionSecurity(exportedSessionKey, 'client') };
}

function flagValue(pairs: readonly AvPair[]): Buffer {
  const existing = pairs.find((pair) => pair.id === AvId.FLAGS)?.value;
  const value = Buffer.alloc(4);
  value.writeUInt32LE(((existing?.readUInt32LE(0) ?? 0) | AV_FLAG_MIC_PRESENT) >>> 0);
  return value;
}

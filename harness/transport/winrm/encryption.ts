import type { NtlmSessionSecurity } from './ntlm-crypto.js';

/**
 * WinRM message encryption over plain HTTP (MS-WSMV 2.2.9.1.1, "Negotiate"
 * encrypted messages): the SOAP envelope is sealed with the NTLM session and
 * sent as multipart/encrypted. Same framing as Windows and pywinrm.
 */
export const ENCRYPTED_PROTOCOL = 'application/HTTP-SPNEGO-session-encrypted';
export const ENCRYPTED_CONTENT_TYPE = `multipart/encrypted;protocol="${ENCRYPTED_PROTOCOL}";boundary="Encrypted Boundary"`;
const BOUNDARY = '--Encrypted Boundary';

export function isEncrypted(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.includes(`protocol="${ENCRYPTED_PROTOCOL}"`);
}

export function sealBody(security: NtlmSessionSecurity, plain: Buffer): Buffer {
  const { sealed, signature } = security.wrap(plain);
  const signatureLength = Buffer.alloc(4);
  signatureLength.writeUInt32LE(signature.length);
  return Buffer.concat([
    Buffer.from(
      `${BOUNDARY}\r\n\tContent-Type: ${ENCRYPTED_PROTOCOL}\r\n` +
        `\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=${plain.length}\r\n` +
        `${BOUNDARY}\r\n\tContent-Type: application/octet-stream\r\n`,
      'latin1',
    ),
    signatureLength,
    signature,
    sealed,
    Buffer.from(`${BOUNDARY}--\r\n`, 'latin1'),
  ]);
}

/** Inverse of sealBody; verifies the signature and the announced length. */
export function unsealBody(security: NtlmSessionSecurity, body: Buffer): Buffer {
  const octetHeader = Buffer.from('\tContent-Type: application/octet-stream\r\n', 'latin1');
  const lengthMatch = /OriginalContent: type=[^;]+;charset=[^;]+;Length=(\d+)\r\n/i.exec(body.subarray(0, 512).toString('latin1'));
  const start = body.indexOf(octetHeader);
  const end = body.lastIndexOf(Buffer.from(`${BOUNDARY}--`, 'latin1'));
  if (!lengthMatch || start < 0 || end < start) throw new Error('malformed multipart/encrypted WinRM message');
  const payload = body.subarray(start + octetHeader.length, end);
  const signatureLength = payload.readUInt32LE(0);
  const signature = payload.subarray(4, 4 + signatureLength);
  const plain = security.unwrap(payload.subarray(4 + signatureLength), signature);
  if (plain.length !== Number(lengthMatch[1])) throw new Error(`encrypted WinRM message: length ${plain.length}, announced ${lengthMatch[1]}`);
  return plain;
}

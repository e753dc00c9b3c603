import { createHash } from 'node:crypto';

/**
 * Channel binding for NTLM over HTTPS (Extended Protection, RFC 5929
 * "tls-server-end-point"): the client proves which TLS certificate it saw, so a
 * listener with CbtHardeningLevel=Strict accepts it and a TLS man-in-the-middle
 * cannot relay the login. The binding is the MD5 of a GSS channel-bindings
 * structure whose application data is `tls-server-end-point:` + the certificate
 * hash; it travels as the MsvAvChannelBindings AV pair.
 */

/** DER OIDs of signature algorithms whose hash is not SHA-256 (RFC 5929 4.1: MD5 and SHA-1 become SHA-256). */
const HASH_BY_SIGNATURE_OID: Record<string, string> = {
  '2a864886f70d01010c': 'sha384', // sha384WithRSAEncryption
  '2a864886f70d01010d': 'sha512', // sha512WithRSAEncryption
  '2a8648ce3d040303': 'sha384', // ecdsa-with-SHA384
  '2a8648ce3d040304': 'sha512', // ecdsa-with-SHA512
};

/** Reads one DER tag-length header at `offset`: where the content starts and how long it is. */
function derHeader(der: Buffer, offset: number): { start: number; length: number } {
  const first = der[offset + 1];
  if (first === undefined) throw new Error('truncated DER');
  if (first < 0x80) return { start: offset + 2, length: first };
  const bytes = first & 0x7f;
  let length = 0;
  for (let i = 0; i < bytes; i += 1) length = length * 256 + der[offset + 2 + i]!;
  return { start: offset + 2 + bytes, length };
}

/** The certificate's outer signatureAlgorithm OID, as hex. */
function signatureOid(der: Buffer): string {
  const certificate = derHeader(der, 0);
  const tbs = derHeader(der, certificate.start);
  const algorithm = derHeader(der, tbs.start + tbs.length);
  const oid = derHeader(der, algorithm.start);
  return der.subarray(oid.start, oid.start + oid.length).toString('hex');
}

export function certificateHash(der: Buffer): Buffer {
  let algorithm = 'sha256';
  try {
    algorithm = HASH_BY_SIGNATURE_OID[signatureOid(der)] ?? 'sha256';
  } catch {
    // An unreadable certificate keeps the default; the listener then refuses a wrong binding.
  }
  return createHash(algorithm).update(der).digest();
}

/** MD5 of gss_channel_bindings_struct with empty addresses and tls-server-end-point application data. */
export function channelBindingsHash(certificateDer: Buffer): Buffer {
  const applicationData = Buffer.concat([Buffer.from('tls-server-end-point:', 'latin1'), certificateHash(certificateDer)]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(applicationData.length);
  return createHash('md5').update(Buffer.alloc(16)).update(length).update(applicationData).digest();
}

/**
 * MD4 (RFC 1320), needed only for the NT hash of NTLM: Node 20's OpenSSL 3
 * keeps MD4 in the legacy provider, which is not loaded, so `createHash('md4')`
 * throws. MD4 is broken as a general hash; here it only derives NTOWFv1.
 */
const ROUND2 = 0x5a827999;
const ROUND3 = 0x6ed9eba1;

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

function pad(message: Buffer): Buffer {
  const bitLength = BigInt(message.length) * 8n;
  const paddedLength = Math.ceil((message.length + 9) / 64) * 64;
  const out = Buffer.alloc(paddedLength);
  message.copy(out);
  out[message.length] = 0x80;
  out.writeBigUInt64LE(bitLength & 0xffffffffffffffffn, paddedLength - 8);
  return out;
}

export function md4(input: Buffer | string): Buffer {
  const data = pad(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const x = new Array<number>(16);
  for (let offset = 0; offset < data.length; offset += 64) {
    for (let i = 0; i < 16; i += 1) x[i] = data.readUInt32LE(offset + i * 4);
    const [aa, bb, cc, dd] = [a, b, c, d];
    const f = (p: number, q: number, r: number) => (p & q) | (~p & r);
    const g = (p: number, q: number, r: number) => (p & q) | (p & r) | (q & r);
    const h = (p: number, q: number, r: number) => p ^ q ^ r;
    for (const i of [0, 4, 8, 12]) {
      a = rotl((a + f(b, c, d) + x[i]!) >>> 0, 3);
      d = rotl((d + f(a, b, c) + x[i + 1]!) >>> 0, 7);
      c = rotl((c + f(d, a, b) + x[i + 2]!) >>> 0, 11);
      b = rotl((b + f(c, d, a) + x[i + 3]!) >>> 0, 19);
    }
    for (const i of [0, 1, 2, 3]) {
      a = rotl((a + g(b, c, d) + x[i]! + ROUND2) >>> 0, 3);
      d = rotl((d + g(a, b, c) + x[i + 4]! + ROUND2) >>> 0, 5);
      c = rotl((c + g(d, a, b) + x[i + 8]! + ROUND2) >>> 0, 9);
      b = rotl((b + g(c, d, a) + x[i + 12]! + ROUND2) >>> 0, 13);
    }
    for (const i of [0, 2, 1, 3]) {
      a = rotl((a + h(b, c, d) + x[i]! + ROUND3) >>> 0, 3);
      d = rotl((d + h(a, b, c) + x[i + 8]! + ROUND3) >>> 0, 9);
      c = rotl((c + h(d, a, b) + x[i + 4]! + ROUND3) >>> 0, 11);
      b = rotl((b + h(c, d, a) + x[i + 12]! + ROUND3) >>> 0, 15);
    }
    a = (a + aa) >>> 0;
    b = (b + bb) >>> 0;
    c = (c + cc) >>> 0;
    d = (d + dd) >>> 0;
  }
  const out = Buffer.alloc(16);
  [a, b, c, d].forEach((word, i) => out.writeUInt32LE(word, i * 4));
  return out;
}

/**
 * RC4 stream cipher, as NTLM sealing uses it (MS-NLMP 3.4.3). Node 20's
 * OpenSSL 3 has RC4 only in its legacy provider, so it is written out here.
 * The state persists across calls: NTLM keeps one handle per direction.
 */
export class Rc4 {
  private readonly state = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Buffer) {
    for (let n = 0; n < 256; n += 1) this.state[n] = n;
    let j = 0;
    for (let n = 0; n < 256; n += 1) {
      j = (j + this.state[n]! + key[n % key.length]!) & 0xff;
      [this.state[n], this.state[j]] = [this.state[j]!, this.state[n]!];
    }
  }

  update(data: Buffer): Buffer {
    const out = Buffer.alloc(data.length);
    for (let n = 0; n < data.length; n += 1) {
      this.i = (this.i + 1) & 0xff;
      this.j = (this.j + this.state[this.i]!) & 0xff;
      [this.state[this.i], this.state[this.j]] = [this.state[this.j]!, this.state[this.i]!];
      out[n] = data[n]! ^ this.state[(this.state[this.i]! + this.state[this.j]!) & 0xff]!;
    }
    return out;
  }
}

/** One-shot RC4 with a fresh key (encrypting the exported session key). */
export function rc4Once(key: Buffer, data: Buffer): Buffer {
  return new Rc4(key).update(data);
}

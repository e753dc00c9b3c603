/**
 * The forms in which a host, a server or a shell may print a secret instead of
 * the secret itself, computed once per secret so that redaction finds them by
 * lookup: base64 and base64url of its UTF-8 and of its UTF-16LE bytes (the
 * form PowerShell's -EncodedCommand takes) at each of the three byte
 * alignments it can have inside a longer encoded text, base64 of its base64,
 * base32, hex in both cases, URL-encoding, HTML entities, JSON `\uXXXX`
 * escapes, bash's `printf %q`, upper- and lower-case, reversed.
 */

/** Pieces of an encoding this short would match ordinary text. */
const MIN_PIECE = 6;

/**
 * The characters of `encode(pad + bytes)` made only of the bytes' own bits, for
 * each pad length below `group` (3 for base64, 5 for base32): the encoding of a
 * longer text holding the secret contains one of them, whatever came before.
 * `bitsPerChar` is 6 (base64) or 5 (base32).
 */
function alignedPieces(bytes: Buffer, group: number, bitsPerChar: number, encode: (data: Buffer) => string): string[] {
  const pieces: string[] = [];
  for (let shift = 0; shift < group; shift += 1) {
    const encoded = encode(Buffer.concat([Buffer.alloc(shift), bytes]));
    // the first character mixing pad bits and the last mixing the padding are unstable: left out
    const piece = encoded.slice(Math.ceil((shift * 8) / bitsPerChar), Math.floor(((shift + bytes.length) * 8) / bitsPerChar));
    if (piece.length >= MIN_PIECE) pieces.push(piece);
  }
  return pieces;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 with its `=` padding. */
export function base32(data: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out.padEnd(Math.ceil(out.length / 8) * 8, '=');
}

const urlSafe = (text: string) => text.replaceAll('+', '-').replaceAll('/', '_');

/** Base64 (standard and URL-safe) of the bytes whole, and their pieces at every alignment. */
function base64Forms(bytes: Buffer): string[] {
  const whole = bytes.toString('base64');
  const pieces = alignedPieces(bytes, 3, 6, (data) => data.toString('base64'));
  // padded, and unpadded as base64url is usually written
  return [whole, whole.replace(/=+$/, ''), ...pieces].flatMap((form) => [form, urlSafe(form)]);
}

/**
 * The secret as HTML escapers write it: `&`, `<` and `>` named (or, in one
 * variant, numbered), and the two quotes in each way escapers differ on —
 * named, decimal, hex or left as they are (Python's html.escape writes
 * `&quot;` and `&#x27;`, React `&quot;` and `&#39;`, Go `&#34;` and `&#39;`).
 */
function htmlForms(secret: string): string[] {
  if (!/[&<>"']/.test(secret)) return [];
  const forms: string[] = [];
  for (const [amp, lt, gt] of [['&amp;', '&lt;', '&gt;'], ['&#38;', '&#60;', '&#62;']] as const) {
    for (const quot of ['&quot;', '&#34;', '&#x22;', '"']) {
      for (const apos of ['&#39;', '&#x27;', '&apos;', "'"]) {
        const entity: Readonly<Record<string, string>> = { '&': amp, '<': lt, '>': gt, '"': quot, "'": apos };
        forms.push([...secret].map((c) => entity[c] ?? c).join(''));
      }
    }
  }
  return forms;
}

/** `\uXXXX` for each UTF-16 code unit of `c` (two for a character outside the BMP). */
function unicodeEscape(c: string, upper: boolean): string {
  let out = '';
  for (let at = 0; at < c.length; at += 1) {
    const hex = c.charCodeAt(at).toString(16).padStart(4, '0');
    out += `\\u${upper ? hex.toUpperCase() : hex}`;
  }
  return out;
}

/**
 * The secret inside a JSON string as encoders that write `\uXXXX` escapes
 * produce it: non-ASCII escaped (Python's json.dumps), `<>&` escaped (Go),
 * `<>&'"+` and non-ASCII escaped in upper case (.NET), or every character.
 * What is not escaped so is escaped as JSON requires (`\"`, `\\`, `\n`).
 */
function jsonEscapeForms(secret: string): string[] {
  const nonAscii = (c: string) => c > '\x7e';
  const rules: [(c: string) => boolean, boolean][] = [
    [nonAscii, false],
    [nonAscii, true],
    [(c) => '<>&'.includes(c), false],
    [(c) => nonAscii(c) || '<>&\'"+`'.includes(c), true],
    [() => true, false],
    [() => true, true],
  ];
  return rules.map(([escaped, upper]) => [...secret].map((c) => (escaped(c) ? unicodeEscape(c, upper) : JSON.stringify(c).slice(1, -1))).join(''));
}

/** Characters bash's `printf %q` puts a backslash before (bash 5); `~` and `#` only at the start. */
const SHELL_SPECIAL = new Set(' !"$&\'()*,;<>?[\\]^`{|}');
const C_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\\': '\\\\', "'": "\\'" };

const octal = (code: number) => `\\${code.toString(8).padStart(3, '0')}`;

/** `$'…'` quoting: backslash escapes for control characters, and for every non-ASCII byte when `bytes` (bash in the C locale). */
function dollarQuoted(secret: string, bytes: boolean): string {
  const chars = [...secret].flatMap((c) => (bytes && c > '\x7f' ? [...Buffer.from(c, 'utf8')].map(octal) : [C_ESCAPES[c] ?? (c < ' ' || c === '\x7f' ? octal(c.charCodeAt(0)) : c)]));
  return `$'${chars.join('')}'`;
}

/**
 * The secret as bash's `printf %q` prints it: in a UTF-8 locale, backslashes
 * before shell characters (or `$'…'` when it holds a control character); in
 * the C locale (a non-interactive ssh session's), `$'…'` with each non-ASCII
 * byte in octal.
 */
export function printfQForms(secret: string): string[] {
  const control = /[\x00-\x1f\x7f]/.test(secret);
  const utf8Locale = control ? dollarQuoted(secret, false) : [...secret].map((c, at) => (SHELL_SPECIAL.has(c) || (at === 0 && (c === '~' || c === '#')) ? `\\${c}` : c)).join('');
  return /[^\x00-\x7f]/.test(secret) ? [utf8Locale, dollarQuoted(secret, true)] : [utf8Locale];
}

/** Every form of `secret` worth looking for, besides the secret itself. */
export function encodedForms(secret: string, minLength: number): string[] {
  const utf8 = Buffer.from(secret, 'utf8');
  const utf16 = Buffer.from(secret, 'utf16le');
  const once = base64Forms(utf8);
  const percent = (keep: RegExp) => [...utf8].map((byte) => (keep.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  // every byte; all but RFC 3986's unreserved characters (Python's quote, curl); those and `/` (quote's default)
  const percentForms = [percent(/^$/), percent(/^[A-Za-z0-9_.~-]$/), percent(/^[A-Za-z0-9_.~/-]$/)].flatMap((form) => [form, form.toLowerCase(), form.replaceAll('%20', '+')]);
  const forms = [
    ...once,
    // base64 of a base64 text that holds the secret: the inner forms, encoded again at every alignment
    ...once.slice(0, 8).flatMap((inner) => base64Forms(Buffer.from(inner, 'latin1'))),
    ...base64Forms(utf16),
    utf8.toString('hex'),
    utf8.toString('hex').toUpperCase(),
    base32(utf8),
    ...alignedPieces(utf8, 5, 5, base32).flatMap((piece) => [piece, piece.toLowerCase()]),
    encodeURIComponent(secret),
    encodeURIComponent(secret).replaceAll('%20', '+'),
    ...percentForms,
    ...htmlForms(secret),
    ...jsonEscapeForms(secret),
    ...printfQForms(secret),
    secret.toUpperCase(),
    secret.toLowerCase(),
    [...secret].reverse().join(''),
  ];
  return [...new Set(forms)].filter((form) => form !== secret && form.length >= minLength);
}

/**
 * The one redaction every sink uses: events.jsonl, chaoslab.log, the CLI's
 * stdout and stderr, and the reports built from the events. The list of
 * secrets is process-wide because a sink must hide every value any resolver
 * of the process has seen, whichever inventory or command resolved it.
 */
const resolved = new Set<string>();

/** Shorter values would redact ordinary words and numbers everywhere. */
const MIN_SECRET_LENGTH = 4;
/** Each line of a multi-line secret (a key) this long is hidden on its own too. */
const MIN_LINE_LENGTH = 8;

export const REDACTED = '[redacted]';

/** The list resolvedSecrets() hands out, the same array until a new secret arrives (so what is derived from it can be kept). */
let snapshot: readonly string[] | undefined;

export function rememberSecret(value: string): void {
  if (value.length < MIN_SECRET_LENGTH || resolved.has(value)) return;
  resolved.add(value);
  snapshot = undefined;
}

/** Every secret resolved so far in this process: sinks ask at each write, so later ones are hidden too. */
export function resolvedSecrets(): readonly string[] {
  snapshot ??= Object.freeze([...resolved]);
  return snapshot;
}

/**
 * Forms of a secret that a host or server may echo instead of the secret
 * itself: base64 (standard and URL-safe) at each of the three byte alignments
 * it can have inside a longer encoded text, URL-encoded, upper- and
 * lower-cased, reversed. Encoded pieces shorter than a secret's minimum
 * length are left out: they would match ordinary text.
 */
function encodedForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [bytes.toString('base64'), bytes.toString('base64url'), encodeURIComponent(secret), encodeURIComponent(secret).replaceAll('%20', '+'), secret.toUpperCase(), secret.toLowerCase(), [...secret].reverse().join('')];
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // only the characters made of the secret's bits alone: not the shift's, not the padding's
    const piece = encoded.slice(Math.ceil((shift * 8) / 6), Math.floor(((shift + bytes.length) * 8) / 6));
    if (piece.length >= MIN_SECRET_LENGTH + 2) forms.push(piece, piece.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return forms.filter((form) => form !== secret && form.length >= MIN_SECRET_LENGTH);
}

/**
 * The needles of one list of secrets, indexed by their first ANCHOR
 * characters: a text is scanned once, looking each of its ANCHOR-character
 * windows up, instead of being searched for every needle. A lab of a hundred
 * hosts has a hundred private keys, thousands of needles, and every string of
 * every event is redacted.
 */
interface Needles {
  /** Longest first, so a whole secret is matched before any of its lines. */
  readonly all: readonly string[];
  readonly byAnchor: ReadonlyMap<string, readonly string[]>;
  /** Needles shorter than an anchor (only a list given by the caller has them): searched for one by one. */
  readonly short: readonly string[];
}

/** Every needle of a remembered secret is at least this long (MIN_SECRET_LENGTH). */
const ANCHOR = MIN_SECRET_LENGTH;

let cachedList: readonly string[] | undefined;
let cachedKey = '';
let cached: Needles = { all: [], byAnchor: new Map(), short: [] };

/**
 * What to look for: each secret and each long line of it, also as it reads
 * inside a JSON string (quotes, backslashes and newlines escaped), because
 * remote commands print JSON and servers echo headers into JSON bodies, and
 * in its encoded forms.
 */
function needles(secrets: readonly string[]): Needles {
  // the process-wide list is one array until it changes; any other list is compared by content
  if (secrets === cachedList) return cached;
  const key = JSON.stringify(secrets);
  if (key === cachedKey) {
    cachedList = secrets;
    return cached;
  }
  const found = new Set<string>();
  for (const secret of secrets) {
    for (const piece of [secret, ...secret.split(/\r?\n/).filter((line) => line.length >= MIN_LINE_LENGTH)]) {
      for (const form of [piece, ...encodedForms(piece)]) {
        found.add(form);
        found.add(JSON.stringify(form).slice(1, -1));
      }
    }
  }
  const all = [...found].filter((needle) => needle.length > 0).sort((a, b) => b.length - a.length);
  const byAnchor = new Map<string, string[]>();
  for (const needle of all.filter((n) => n.length >= ANCHOR)) {
    const anchor = needle.slice(0, ANCHOR);
    byAnchor.set(anchor, [...(byAnchor.get(anchor) ?? []), needle]);
  }
  cachedList = secrets;
  cachedKey = key;
  cached = { all, byAnchor, short: all.filter((n) => n.length < ANCHOR) };
  return cached;
}

/** The needles that occur in the text, longest first. */
function occurring(text: string, { all, byAnchor, short }: Needles): string[] {
  const hits = new Set<string>(short.filter((needle) => text.includes(needle)));
  for (let at = 0; at + ANCHOR <= text.length; at += 1) {
    const candidates = byAnchor.get(text.slice(at, at + ANCHOR));
    if (candidates) for (const needle of candidates) if (text.startsWith(needle, at)) hits.add(needle);
  }
  return hits.size ? all.filter((needle) => hits.has(needle)) : [];
}

/** Replaces every secret (and each line of a multi-line one), raw, encoded or JSON-escaped, with [redacted]. */
export function redact(text: string, secrets: readonly string[] = resolvedSecrets()): string {
  if (!secrets.length) return text;
  let out = text;
  for (const needle of occurring(text, needles(secrets))) {
    if (out.includes(needle)) out = out.split(needle).join(REDACTED);
  }
  return out;
}

/** Redacts every string of a JSON-like value (its keys are chaoslab's own names). */
export function redactDeep<T>(value: T, secrets: readonly string[] = resolvedSecrets()): T {
  if (!secrets.length) return value;
  if (typeof value === 'string') return redact(value, secrets) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secrets)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, secrets)])) as T;
  }
  return value;
}

/**
 * At most `max` characters of a command's output or a server's body, redacted
 * before it is cut: a cut through a secret would leave a prefix that no longer
 * matches it. `more` describes what was cut off.
 */
export function excerpt(text: string, max: number, more: (omitted: number) => string = () => ''): string {
  const clean = redact(text);
  return clean.length > max ? `${clean.slice(0, max)}${more(clean.length - max)}` : clean;
}

/**
 * Redacts secrets from bytes that may not be text (a trace's resources):
 * latin1 maps every byte to one character and back, so other bytes stay as
 * they were; each secret is looked for as its UTF-8 bytes.
 */
export function redactBytes(data: Buffer, secrets: readonly string[] = resolvedSecrets()): Buffer {
  if (!secrets.length) return data;
  const asBytes = secrets.map((secret) => Buffer.from(secret, 'utf8').toString('latin1'));
  const text = data.toString('latin1');
  const clean = redact(text, asBytes);
  return clean === text ? data : Buffer.from(clean, 'latin1');
}

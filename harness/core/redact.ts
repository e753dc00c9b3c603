import { encodedForms } from './secret-forms.js';
import { splitUrlCredentials, withoutUrlPasswords } from './url-credentials.js';

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

/**
 * A URL that chaoslab requests (a halt condition's, `--pushgateway`), without
 * the credentials it may carry (`https://user:pass@host/`): fetch refuses
 * such URLs, and they would be logged with the URL. The password is
 * remembered as a secret; the credentials travel as an Authorization header.
 */
export function urlWithoutCredentials(url: string): { url: string; authorization?: string } {
  const split = splitUrlCredentials(url);
  for (const secret of split.secrets) rememberSecret(secret);
  return { url: split.url, ...(split.authorization !== undefined && { authorization: split.authorization }) };
}

/** Every secret resolved so far in this process: sinks ask at each write, so later ones are hidden too. */
export function resolvedSecrets(): readonly string[] {
  snapshot ??= Object.freeze([...resolved]);
  return snapshot;
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
  readonly longest: number;
  /** The first 1 to ANCHOR - 1 characters of every needle: a stream's end that is one of them may begin a secret. */
  readonly starts: ReadonlySet<string>;
}

/** Every needle of a remembered secret is at least this long (MIN_SECRET_LENGTH). */
const ANCHOR = MIN_SECRET_LENGTH;

let cachedList: readonly string[] | undefined;
let cachedKey = '';
let cached: Needles = { all: [], byAnchor: new Map(), short: [], longest: 0, starts: new Set() };

/** Line breaks are not part of what is looked for: a secret wrapped over lines (base64 at 76 columns, `fold`) is still found. */
const BREAKS = /[\r\n]/g;
const unbroken = (text: string) => text.replace(BREAKS, '');

/** A secret's needles, computed once: the process-wide list grows one secret at a time, and its index is rebuilt each time. */
const formsOf = new Map<string, readonly string[]>();

function needlesOf(secret: string): readonly string[] {
  let found = formsOf.get(secret);
  if (found) return found;
  const needles = new Set<string>();
  for (const piece of [secret, ...secret.split(/\r?\n/).filter((line) => line.length >= MIN_LINE_LENGTH)]) {
    for (const form of [piece, ...encodedForms(piece, MIN_SECRET_LENGTH)]) {
      needles.add(unbroken(form));
      needles.add(JSON.stringify(form).slice(1, -1));
    }
  }
  found = [...needles];
  formsOf.set(secret, found);
  return found;
}

/**
 * What to look for: each secret and each long line of it, in every encoded
 * form (core/secret-forms.ts), each also as it reads inside a JSON string
 * (quotes, backslashes and newlines escaped), because remote commands print
 * JSON and servers echo headers into JSON bodies; all without line breaks.
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
  for (const secret of secrets) for (const needle of needlesOf(secret)) found.add(needle);
  const all = [...found].filter((needle) => needle.length > 0).sort((a, b) => b.length - a.length);
  const byAnchor = new Map<string, string[]>();
  for (const needle of all.filter((n) => n.length >= ANCHOR)) {
    const anchor = needle.slice(0, ANCHOR);
    byAnchor.set(anchor, [...(byAnchor.get(anchor) ?? []), needle]);
  }
  cachedList = secrets;
  cachedKey = key;
  const starts = new Set(all.flatMap((needle) => Array.from({ length: Math.min(ANCHOR - 1, needle.length - 1) }, (_, i) => needle.slice(0, i + 1))));
  cached = { all, byAnchor, short: all.filter((n) => n.length < ANCHOR), longest: all[0]?.length ?? 0, starts };
  return cached;
}

/**
 * The text with its line breaks taken out, and where each of its characters
 * was: a needle found in the view is hidden in the text across the breaks.
 */
interface View {
  readonly text: string;
  readonly at: (index: number) => number;
}

function viewOf(text: string): View {
  if (!text.includes('\n') && !text.includes('\r')) return { text, at: (index) => index };
  const positions = new Int32Array(text.length);
  let kept = 0;
  for (let index = 0; index < text.length; index += 1) {
    const c = text.charCodeAt(index);
    if (c !== 10 && c !== 13) positions[kept++] = index;
  }
  return { text: unbroken(text), at: (index) => positions[index]! };
}

/**
 * Where needles occur in the text, as [start, end) ranges of the text, merged
 * when they overlap: one scan of the text's ANCHOR-character windows
 * through the index, taking the longest needle at each place.
 */
function ranges(text: string, { byAnchor, short }: Needles): [number, number][] {
  const view = viewOf(text);
  const found: [number, number][] = [];
  const add = (start: number, length: number) => found.push([view.at(start), view.at(start + length - 1) + 1]);
  for (const needle of short) for (let at = view.text.indexOf(needle); at >= 0; at = view.text.indexOf(needle, at + 1)) add(at, needle.length);
  for (let at = 0; at + ANCHOR <= view.text.length; at += 1) {
    const candidates = byAnchor.get(view.text.slice(at, at + ANCHOR));
    const needle = candidates?.find((candidate) => view.text.startsWith(candidate, at));
    if (needle) add(at, needle.length);
  }
  if (found.length < 2) return found;
  found.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [found[0]!];
  for (const [start, end] of found.slice(1)) {
    const last = merged.at(-1)!;
    // overlapping needles are one secret's; ones that only touch stay apart (a line break between them stays too)
    if (start < last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

function replaceRanges(text: string, found: readonly [number, number][], upTo = text.length): string {
  let out = '';
  let from = 0;
  for (const [start, end] of found) {
    if (end > upTo) break;
    out += `${text.slice(from, start)}${REDACTED}`;
    from = end;
  }
  return out + text.slice(from, upTo);
}

/** Replaces every secret (and each line of a multi-line one) — raw, encoded or JSON-escaped, whole or broken over lines — with [redacted]; and a URL's password. */
export function redact(text: string, secrets: readonly string[] = resolvedSecrets()): string {
  const clean = secrets.length ? replaceRanges(text, ranges(text, needles(secrets))) : text;
  return withoutUrlPasswords(clean);
}

/** Whether any string of a JSON-like value holds a URL with a password (a walk that copies nothing). */
function holdsUrlPassword(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('://') && withoutUrlPasswords(value) !== value;
  if (Array.isArray(value)) return value.some(holdsUrlPassword);
  if (value && typeof value === 'object') return Object.values(value).some(holdsUrlPassword);
  return false;
}

/** Redacts every string of a JSON-like value (its keys are chaoslab's own names). */
export function redactDeep<T>(value: T, secrets: readonly string[] = resolvedSecrets()): T {
  // with no secret known, a copy is made only for a URL's password: the event writer redacts every event
  if (!secrets.length && !holdsUrlPassword(value)) return value;
  if (typeof value === 'string') return redact(value, secrets) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secrets)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, secrets)])) as T;
  }
  return value;
}

/**
 * Redaction of a stream written in pieces (the CLI's stdout and stderr): a
 * secret cut between two pieces is still found, because the end of a piece
 * that could be the start of a secret is held back until the next piece (or
 * `flush`). What is held is never longer than the longest needle.
 */
export class StreamRedactor {
  private held = '';

  constructor(private readonly secrets: () => readonly string[] = resolvedSecrets) {}

  /** The redacted text that can be written now. */
  push(piece: string): string {
    const list = this.secrets();
    const text = this.held + piece;
    if (!list.length) {
      this.held = '';
      return withoutUrlPasswords(text);
    }
    const index = needles(list);
    const found = ranges(text, index);
    let cut = heldFrom(text, index);
    // a needle found across the cut goes out whole with the next piece, or is found again there
    for (const [start, end] of found) if (start < cut && end > cut) cut = start;
    this.held = text.slice(cut);
    return withoutUrlPasswords(replaceRanges(text, found, cut));
  }

  /** What is held back, redacted: at the end of the stream, or when nothing more came for a while. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return rest ? redact(rest, this.secrets()) : '';
  }
}

/**
 * Where the held-back tail of `text` starts: the first place, within the
 * longest needle's length of the end, from which the rest of the text (line
 * breaks left out) is the beginning of a needle not yet complete.
 */
function heldFrom(text: string, index: Needles): number {
  const view = viewOf(text);
  const from = Math.max(0, view.text.length - index.longest + 1);
  for (let at = from; at < view.text.length; at += 1) {
    const rest = view.text.slice(at);
    if (rest.length < ANCHOR) {
      if (index.starts.has(rest)) return view.at(at);
      continue;
    }
    if (index.byAnchor.get(rest.slice(0, ANCHOR))?.some((needle) => needle.length > rest.length && needle.startsWith(rest))) return view.at(at);
  }
  return text.length;
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

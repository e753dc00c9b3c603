/**
 * PowerShell started with redirected streams (-EncodedCommand over WinRM or
 * OpenSSH) writes its error, warning, verbose and debug records to stderr as
 * CLIXML: `#< CLIXML` then `<Objs …><S S="Error">text_x000D__x000A_</S>…</Objs>`.
 * Reports, `doctor` and error messages show people text, so the transports
 * decode it once, here. Progress and other object records carry no message
 * for a person and are dropped; text outside a CLIXML block is kept as is.
 */
const MARKER = '#< CLIXML';
const BLOCK = /#< CLIXML\r?\n?(<Objs\b[^>]*>[^]*?<\/Objs>|<Objs\b[^>]*\/>)\r?\n?/g;
const STRING_RECORD = /<S\s+S="([^"]*)"\s*>([^]*?)<\/S>|<S\s+S="[^"]*"\s*\/>/g;

/** How PowerShell labels each stream when it prints it to a console. */
const STREAM_PREFIX: Readonly<Record<string, string>> = { error: '', warning: 'WARNING: ', verbose: 'VERBOSE: ', debug: 'DEBUG: ', information: '' };

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML entities, then the serializer's `_xHHHH_` escapes of UTF-16 code units (`_x005F_` is a literal `_`). */
function decodeText(text: string): string {
  const unescaped = text.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return ENTITIES[entity]!;
  });
  return unescaped.replace(/_x([0-9a-fA-F]{4})_/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function decodeBlock(objs: string): string {
  let text = '';
  for (const match of objs.matchAll(STRING_RECORD)) {
    const stream = match[1]?.toLowerCase();
    if (stream === undefined || !(stream in STREAM_PREFIX)) continue;
    text += STREAM_PREFIX[stream] + decodeText(match[2] ?? '');
  }
  return text;
}

/** stderr with every CLIXML block replaced by the text of its records; other text unchanged. */
export function decodeClixml(stderr: string): string {
  if (!stderr.includes(MARKER)) return stderr;
  return stderr.replace(BLOCK, (_, objs: string) => decodeBlock(objs));
}

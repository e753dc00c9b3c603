/**
 * PowerShell started with redirected streams (-EncodedCommand over WinRM or
 * OpenSSH) writes its error, warning, verbose and debug records to stderr as
 * CLIXML: `#< CLIXML` then `<Objs …><S S="Error">text_x000D__x000A_</S>…</Objs>`.
 * Reports, `doctor` and error messages show people text, so the transports
 * decode it once, here. Progress and other object records carry no message
 * for a person and are dropped; text outside a block is kept as is.
 *
 * What real PowerShell writes (fixtures in test/fixtures/windows/clixml/, with
 * the command that captured them): a marker is not always directly followed by
 * its block — a native program's stderr can come between them; a nested
 * PowerShell (a script that runs powershell.exe) writes its own marker and
 * block inside the outer one's, so one marker can be followed by several
 * `<Objs>` blocks; PowerShell 7 colours error records with ANSI escapes
 * (`_x001B_[31;1m`). So every marker is removed and every block decoded,
 * wherever they stand.
 */
const MARKER = '#< CLIXML';
const MARKER_LINE = /#< CLIXML\r?\n?/g;
const BLOCK = /<Objs\b[^>]*\/>|<Objs\b[^>]*>[^]*?<\/Objs>/g;
const STRING_RECORD = /<S\s+S="([^"]*)"\s*>([^]*?)<\/S>|<S\s+S="[^"]*"\s*\/>/g;
/** ANSI control sequences (colours): a console would interpret them, a report shows them as noise. */
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

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

/**
 * Each record as a console line: error records carry their own line ends
 * (one record per line); a warning or verbose record is one line without one.
 */
function decodeBlock(objs: string): string {
  let text = '';
  for (const match of objs.matchAll(STRING_RECORD)) {
    const stream = match[1]?.toLowerCase();
    if (stream === undefined || !(stream in STREAM_PREFIX)) continue;
    const line = STREAM_PREFIX[stream] + decodeText(match[2] ?? '').replace(ANSI, '');
    text += line.endsWith('\n') ? line : `${line}\n`;
  }
  return text;
}

/** stderr with every CLIXML marker removed and every block replaced by the text of its records; other text unchanged. */
export function decodeClixml(stderr: string): string {
  if (!stderr.includes(MARKER)) return stderr;
  return stderr.replace(MARKER_LINE, '').replace(BLOCK, (objs) => decodeBlock(objs));
}

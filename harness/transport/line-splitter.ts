/**
 * Cuts decoded output into lines as chunks arrive, for every transport's
 * `stream`. By default a line loses its `\n` or `\r\n`. With `keepEndings`
 * each complete line keeps it, so a reader can count the bytes it consumed
 * exactly (a CRLF log, a line whose newline has not arrived yet).
 */
export class LineSplitter {
  private partial = '';

  constructor(private readonly keepEndings = false) {}

  /** The lines this chunk completes. */
  push(text: string): string[] {
    const pieces = (this.partial + text).split('\n');
    this.partial = pieces.pop() ?? '';
    if (this.keepEndings) return pieces.map((piece) => `${piece}\n`);
    return pieces.map((piece) => (piece.endsWith('\r') ? piece.slice(0, -1) : piece));
  }

  /** Text after the last newline (a line still being written); empties the buffer. */
  rest(): string {
    const rest = this.partial;
    this.partial = '';
    return rest;
  }
}

/**
 * A text/event-stream parser (the WHATWG "server-sent events" format): fields
 * `data` (several lines join with "\n"), `id`, `event`, `retry`; comment lines
 * start with ':'; a blank line dispatches. Chunks may split lines anywhere,
 * including between the CR and LF of a CRLF.
 */
export interface SseMessage {
  readonly event: string;
  readonly data: string;
  /** The last event id after this message (ids persist across messages). */
  readonly lastEventId: string;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private pendingCr = false;
  lastEventId = '';
  /** Reconnection time the server asked for, in ms. */
  retryMs: number | undefined;

  push(chunk: string): SseMessage[] {
    let text = chunk;
    // a CR at the end of the previous chunk already ended its line; skip the LF of that CRLF
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const messages: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      if (match[0] === '\r' && match.index === this.buffer.length - 1) {
        this.pendingCr = true;
      }
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const message = this.line(line);
      if (message) messages.push(message);
    }
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const event = this.event || 'message';
    this.event = '';
    if (this.data.length === 0) return undefined;
    const data = this.data.join('\n');
    this.data = [];
    return { event, data, lastEventId: this.lastEventId };
  }
}

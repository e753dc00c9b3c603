import { StringDecoder } from 'node:string_decoder';
import { StreamRedactor } from '../core/redact.js';

/**
 * Everything the CLI prints (reporters' progress, error messages, doctor,
 * revert and lab output, commander's own) passes the same redaction as the
 * event log and chaoslab.log, with every secret resolved so far in this
 * process. Wrapping the two streams once also covers output added later.
 *
 * A secret written in two pieces is still found: the end of a piece that could
 * begin a secret is held back (core/redact.ts StreamRedactor) until the next
 * write, until nothing more was written for IDLE_FLUSH_MS, or until the
 * process exits — so a prompt is never held for long, and nothing is lost.
 */
const IDLE_FLUSH_MS = 50;

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;

export function redactStandardStreams(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as Write;
    const redactor = new StreamRedactor();
    const decoder = new StringDecoder('utf8');
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      const rest = redactor.flush();
      if (rest) write(rest);
    };
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      clearTimeout(timer);
      const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? decoder.write(Buffer.from(chunk)) : undefined;
      if (text === undefined) return write(chunk, ...rest);
      const ready = redactor.push(text);
      timer = setTimeout(flush, IDLE_FLUSH_MS).unref();
      // the callback (and encoding) still reach the stream when everything was held back
      return write(ready, ...rest);
    }) as typeof stream.write;
    // stdout and stderr are synchronous for files, pipes and terminals on Linux: what is written at exit arrives
    process.on('exit', () => {
      clearTimeout(timer);
      flush();
    });
  }
}

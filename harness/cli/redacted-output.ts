import { redact } from '../core/redact.js';

/**
 * Everything the CLI prints (reporters' progress, error messages, doctor,
 * revert and lab output, commander's own) passes the same redaction as the
 * event log and chaoslab.log, with every secret resolved so far in this
 * process. Wrapping the two streams once also covers output added later.
 */
export function redactStandardStreams(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => write(redactChunk(chunk), ...rest)) as typeof stream.write;
  }
}

function redactChunk(chunk: unknown): unknown {
  if (typeof chunk === 'string') return redact(chunk);
  if (!(chunk instanceof Uint8Array)) return chunk;
  const text = Buffer.from(chunk).toString('utf8');
  const clean = redact(text);
  return clean === text ? chunk : clean;
}

import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ChaoslabError } from '../core/errors.js';

/**
 * Resolves `env:NAME` / `file:PATH` references. Every resolved value is
 * remembered so the event writer and logs can redact it wherever it appears.
 */
export class SecretResolver {
  private readonly known = new Set<string>();

  constructor(private readonly baseDir: string, private readonly env: NodeJS.ProcessEnv = process.env) {}

  async resolve(ref: string): Promise<string> {
    let value: string;
    if (ref.startsWith('env:')) {
      const name = ref.slice(4);
      const found = this.env[name];
      if (found === undefined || found === '') throw new ChaoslabError('CHAOSLAB_SECRET_UNRESOLVED', `secret ${ref}: environment variable ${name} is not set`);
      value = found;
    } else if (ref.startsWith('file:')) {
      const path = ref.slice(5);
      const full = isAbsolute(path) ? path : resolve(this.baseDir, path);
      try {
        value = (await readFile(full, 'utf8')).replace(/\r?\n$/, '');
      } catch (error) {
        throw new ChaoslabError('CHAOSLAB_SECRET_UNRESOLVED', `secret ${ref}: cannot read ${full}`, { cause: error });
      }
    } else {
      throw new ChaoslabError('CHAOSLAB_SECRET_UNRESOLVED', `secret reference must start with env: or file: (got a value of ${ref.length} characters)`);
    }
    if (value.length >= 4) this.known.add(value);
    return value;
  }

  /** Values to scrub from anything written to disk or the console. */
  secrets(): readonly string[] {
    return [...this.known];
  }
}

/** Replaces every known secret (and each line of a multi-line secret such as a key) with [redacted]. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const piece of [secret, ...secret.split(/\r?\n/).filter((line) => line.length >= 8)]) {
      if (piece) out = out.split(piece).join('[redacted]');
    }
  }
  return out;
}

import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ChaoslabError } from '../core/errors.js';
import { rememberSecret } from '../core/redact.js';
import type { LabConfig } from './lab-schema.js';

/**
 * Resolves `env:NAME` / `file:PATH` references. Every resolved value is
 * remembered (core/redact.ts) so that every sink redacts it wherever it appears.
 */
export class SecretResolver {
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
    rememberSecret(value);
    for (const password of urlPasswords(value)) rememberSecret(password);
    return value;
  }
}

/** A connection URL's password is a secret of its own: the host's copy of it can be printed without the rest of the URL. */
function urlPasswords(value: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return [];
  try {
    const { password } = new URL(value);
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

/** Every secret reference of an inventory: host credentials and observer credentials. */
export function inventorySecretRefs(lab: LabConfig): string[] {
  const refs: (string | undefined)[] = [];
  for (const { transport } of lab.hosts) {
    if (transport.kind === 'ssh') refs.push(transport.key, transport.password, transport.passphrase);
    if (transport.kind === 'winrm') refs.push(transport.password);
  }
  for (const observer of lab.observers) {
    if (observer.kind === 'http' || observer.kind === 'prometheus') refs.push(observer.auth?.type === 'bearer' ? observer.auth.token : observer.auth?.password);
    if (observer.kind === 'postgres') refs.push(observer.url);
    if (observer.kind === 'webhook') refs.push(observer.secret);
    if (observer.kind === 'browser') refs.push(observer.login?.password);
  }
  return [...new Set(refs.filter((ref): ref is string => ref !== undefined))];
}

/**
 * The resolver for an inventory, with every one of its secrets resolved now:
 * redaction must know a secret before the first command output or error that
 * could carry it, not only once the transport or observer that uses it starts.
 * A reference that does not resolve is left for its real use to report.
 */
export async function labSecrets(lab: LabConfig, labFile: string): Promise<SecretResolver> {
  const secrets = new SecretResolver(dirname(labFile));
  await Promise.all(inventorySecretRefs(lab).map((ref) => secrets.resolve(ref).catch(() => undefined)));
  return secrets;
}

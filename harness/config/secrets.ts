import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ChaoslabError, errorMessage, type ConfigIssue } from '../core/errors.js';
import { rememberSecret } from '../core/redact.js';
import type { SourceDocument } from './catalogue.js';
import type { LabConfig } from './lab-schema.js';
import { issueAt } from './load-issues.js';
import { weakWebhookSecret } from './validate-webhook.js';

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

/** One secret reference of an inventory: where it is written and who uses it. */
export interface SecretUse {
  readonly ref: string;
  readonly path: readonly (string | number)[];
  /** `host web-1` or `observer stack-api` */
  readonly owner: string;
  readonly host?: string;
  /** Why the resolved value is unfit for its use (too weak a webhook key), if it is. */
  readonly unfit?: (value: string) => string | undefined;
}

/**
 * Every secret reference of an inventory, host credentials and observer credentials.
 * The ssh key of a container-provider host is left out: `lab up` creates it and
 * the resolved inventory points at it.
 */
export function inventorySecretUses(lab: LabConfig): SecretUse[] {
  const uses: SecretUse[] = [];
  const add = (ref: string | undefined, path: (string | number)[], owner: string, host?: string, unfit?: SecretUse['unfit']) => {
    if (ref !== undefined) uses.push({ ref, path, owner, ...(host !== undefined && { host }), ...(unfit && { unfit }) });
  };
  lab.hosts.forEach(({ name, transport }, index) => {
    const at = (field: string) => ['hosts', index, 'transport', field];
    if (transport.kind === 'ssh') {
      if (lab.provider !== 'container') add(transport.key, at('key'), `host ${name}`, name);
      add(transport.password, at('password'), `host ${name}`, name);
      add(transport.passphrase, at('passphrase'), `host ${name}`, name);
    }
    if (transport.kind === 'winrm') add(transport.password, at('password'), `host ${name}`, name);
  });
  lab.observers.forEach((observer, index) => {
    const owner = `observer ${observer.name}`;
    if (observer.kind === 'http' || observer.kind === 'prometheus') add(observer.auth?.type === 'bearer' ? observer.auth.token : observer.auth?.password, ['observers', index, 'auth', observer.auth?.type === 'bearer' ? 'token' : 'password'], owner);
    if (observer.kind === 'postgres') add(observer.url, ['observers', index, 'url'], owner);
    if (observer.kind === 'webhook') add(observer.secret, ['observers', index, 'secret'], owner, undefined, weakWebhookSecret);
    if (observer.kind === 'browser') add(observer.login?.password, ['observers', index, 'login', 'password'], owner);
  });
  return uses;
}

/** Every secret reference of an inventory, once each. */
export function inventorySecretRefs(lab: LabConfig): string[] {
  return [...new Set(inventorySecretUses(lab).map((use) => use.ref))];
}

/**
 * The secrets that do not resolve, as config problems naming the reference, who
 * uses it and where it is written. `validate --lab` checks every host; `run`
 * only the hosts its plan uses (and every observer), before anything is injected:
 * a missing credential is the user's to fix, never a lost transport mid-run.
 */
export async function unresolvedSecrets(lab: LabConfig, labFile: string, source: SourceDocument, hosts?: ReadonlySet<string>): Promise<ConfigIssue[]> {
  const resolver = new SecretResolver(dirname(labFile));
  const needed = inventorySecretUses(lab).filter((use) => use.host === undefined || hosts === undefined || hosts.has(use.host));
  const failures = await Promise.all(
    needed.map(async (use) => {
      try {
        // resolved first: `use.unfit?.(await …)` would skip the resolution when there is no check
        const value = await resolver.resolve(use.ref);
        const unfit = use.unfit?.(value);
        return unfit === undefined ? undefined : issueAt(source, use.path, `secret ${use.ref} ${unfit} (needed by ${use.owner})`);
      } catch (error) {
        return issueAt(source, use.path, `${errorMessage(error)} (needed by ${use.owner})`);
      }
    }),
  );
  return failures.filter((issue): issue is ConfigIssue => issue !== undefined);
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

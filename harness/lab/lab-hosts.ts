import { dirname } from 'node:path';
import type { SourceDocument } from '../config/catalogue.js';
import type { HostConfig, LabConfig } from '../config/lab-schema.js';
import { formatPath, issueAt } from '../config/load-issues.js';
import { inventorySecretUses, SecretResolver } from '../config/secrets.js';
import type { Clock } from '../core/clock.js';
import { ChaoslabError, ConfigError, errorMessage, type ConfigIssue } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createTransport } from '../transport/registry.js';
import type { Transport } from '../transport/transport.js';

export interface LabHostsOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The inventory as loaded: a secret that does not resolve is then reported at its line. */
  readonly source?: SourceDocument;
}

/**
 * The hosts of one (resolved) inventory as every command reaches them: `run`,
 * the journal replay of `revert --pending`, `doctor`, the residue scan and a
 * static lab's `status`. Its secrets are resolved once, when it opens (so
 * redaction knows them before the first byte of output); each host's
 * transport is created on first use and then shared by everything that
 * reaches that host; `close()` closes every transport it created and is
 * idempotent. A secret that did not resolve is a config error naming the
 * reference, its owner and where it is written, raised when a transport or an
 * observer first needs it.
 */
export class LabHosts implements AsyncDisposable {
  private readonly transports = new Map<string, Transport>();
  private readonly byName: ReadonlyMap<string, HostConfig>;

  private constructor(
    readonly lab: LabConfig,
    readonly labFile: string,
    private readonly secrets: ReadonlyMap<string, Promise<string>>,
    private readonly options: LabHostsOptions,
  ) {
    this.byName = new Map(lab.hosts.map((host) => [host.name, host]));
  }

  /** Resolves every secret of the inventory once; `labFile` is absolute (relative paths in it are resolved from its folder). */
  static async open(lab: LabConfig, labFile: string, options: LabHostsOptions): Promise<LabHosts> {
    const resolver = new SecretResolver(dirname(labFile));
    const secrets = new Map<string, Promise<string>>();
    for (const use of inventorySecretUses(lab)) {
      if (secrets.has(use.ref)) continue;
      const issue = (message: string): ConfigIssue => (options.source ? issueAt(options.source, use.path, message) : { file: labFile, path: formatPath(use.path), message });
      const value = resolver.resolve(use.ref).catch((error: unknown) => {
        throw new ConfigError([issue(`${errorMessage(error)} (needed by ${use.owner})`)], 'CHAOSLAB_SECRET_UNRESOLVED');
      });
      // reported to whoever needs it; one nobody needs is no failure
      value.catch(() => undefined);
      secrets.set(use.ref, value);
    }
    await Promise.allSettled(secrets.values());
    return new LabHosts(lab, labFile, secrets, options);
  }

  /** A resolved secret of this inventory; a reference it does not declare is resolved on demand. */
  readonly resolveSecret = (ref: string): Promise<string> => this.secrets.get(ref) ?? new SecretResolver(dirname(this.labFile)).resolve(ref);

  /** The inventory's host of that name; an unknown name (an observer naming a host the inventory lacks) is reported as such. */
  host(name: string): HostConfig {
    const host = this.byName.get(name);
    if (!host) throw new ChaoslabError('CHAOSLAB_LAB_INVALID', `host ${name} is not in lab ${this.lab.name}`);
    return host;
  }

  /** The host's one transport, created now if nothing reached the host before. */
  readonly transportFor = (name: string): Transport => {
    let transport = this.transports.get(name);
    if (!transport) {
      transport = createTransport(this.host(name), {
        resolveSecret: this.resolveSecret,
        clock: this.options.clock,
        logger: this.options.logger.child({ host: name }),
        baseDir: dirname(this.labFile),
      });
      this.transports.set(name, transport);
    }
    return transport;
  };

  /** How many transports exist now (created and not yet closed). */
  get openTransports(): number {
    return this.transports.size;
  }

  /** Closes every transport; a transport that fails to close does not keep the others open. */
  async close(): Promise<void> {
    const transports = [...this.transports.values()];
    this.transports.clear();
    await Promise.allSettled(transports.map((transport) => transport.close()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

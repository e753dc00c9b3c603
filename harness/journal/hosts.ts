import { dirname, resolve } from 'node:path';
import { loadLabFile } from '../config/load-project.js';
import type { HostConfig, LabConfig } from '../config/lab-schema.js';
import { labSecrets } from '../config/secrets.js';
import type { Clock } from '../core/clock.js';
import { formatIssue } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createTransport } from '../transport/registry.js';
import type { Transport } from '../transport/transport.js';
import { hostIdentity, hostWithIdentity } from './identity.js';
import type { JournalEntry } from './journal.js';

/** An inventory already loaded and resolved: the run's own, or the one `revert --pending --lab` names. */
export interface KnownInventory {
  readonly lab: LabConfig;
  /** Absolute path. */
  readonly labFile: string;
  /** Reuses the caller's pooled transports; without it this class opens its own. */
  readonly transportFor?: (host: string) => Transport;
}

export interface JournalHostsOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly current?: KnownInventory;
}

/** A container lab's concrete inventory (published ports, lab keys); other labs as they are. The engine client loads only when needed. */
export async function resolveInventory(lab: LabConfig): Promise<LabConfig> {
  if (lab.provider !== 'container') return lab;
  const { resolveLab } = await import('../lab/resolve.js');
  return resolveLab(lab);
}

/** The inventory a journal entry names, or why it cannot be used any more. */
async function loadUsableLab(labFile: string): Promise<LabConfig | string> {
  try {
    const { lab, issues } = await loadLabFile(labFile);
    if (!lab || issues.length) return `inventory ${labFile} does not load: ${issues.map(formatIssue).join('; ') || 'unknown problem'}`;
    return await resolveInventory(lab.config);
  } catch (error) {
    return `inventory ${labFile} cannot be used: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Finds the transport for a journal entry's host by the host's identity
 * (name, transport, address and port), never by an inventory's path: the
 * current inventory serves every entry written for one of its hosts, however
 * it was named when the entry was written. Other entries load the inventory
 * they were written with, and replay only if its host of that name is still
 * the same machine; anything else is reported, not guessed.
 */
export class JournalHosts implements AsyncDisposable {
  private readonly labs = new Map<string, Promise<LabConfig | string>>();
  private readonly transports = new Map<string, Transport>();

  constructor(private readonly options: JournalHostsOptions) {}

  /** True when the current inventory has the host this entry was written for. */
  readonly isCurrent = (entry: JournalEntry): boolean => this.options.current !== undefined && hostWithIdentity(this.options.current.lab.hosts, entry.hostIdentity) !== undefined;

  readonly transportFor = async (entry: JournalEntry): Promise<Transport | { unavailable: string }> => {
    const current = this.options.current;
    const own = current && hostWithIdentity(current.lab.hosts, entry.hostIdentity);
    if (current && own) return current.transportFor?.(own.name) ?? this.open(current.lab, current.labFile, own);
    const labFile = resolve(entry.labFile);
    const lab = await this.lab(labFile);
    if (typeof lab === 'string') return { unavailable: lab };
    const host = lab.hosts.find((h) => h.name === entry.host);
    if (!host) return { unavailable: `host ${entry.host} is no longer in ${entry.labFile}` };
    if (hostIdentity(host) !== entry.hostIdentity) {
      return { unavailable: `${entry.labFile} now reaches ${entry.host} as "${hostIdentity(host)}"; the entry was written for "${entry.hostIdentity}" and replays only there` };
    }
    return this.open(lab, labFile, host);
  };

  private async open(lab: LabConfig, labFile: string, host: HostConfig): Promise<Transport> {
    const key = `${labFile}#${host.name}`;
    const known = this.transports.get(key);
    if (known) return known;
    const secrets = await labSecrets(lab, labFile);
    const transport = createTransport(host, { resolveSecret: (ref) => secrets.resolve(ref), clock: this.options.clock, logger: this.options.logger, baseDir: dirname(labFile) });
    this.transports.set(key, transport);
    return transport;
  }

  private lab(labFile: string): Promise<LabConfig | string> {
    let loading = this.labs.get(labFile);
    if (!loading) {
      loading = loadUsableLab(labFile);
      this.labs.set(labFile, loading);
    }
    return loading;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.transports.values()].map((t) => t.close()));
    this.transports.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

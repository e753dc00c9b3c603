import { resolve } from 'node:path';
import { loadLabFile } from '../config/load-project.js';
import type { LabConfig } from '../config/lab-schema.js';
import type { Clock } from '../core/clock.js';
import { errorMessage, formatIssue } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { LabHosts } from '../lab/lab-hosts.js';
import { resolveInventory } from '../lab/providers.js';
import type { Transport } from '../transport/transport.js';
import { hostIdentity, hostWithIdentity } from './identity.js';
import type { JournalEntry } from './journal.js';

export interface JournalHostsOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The inventory already open (the run's own, or the one `revert --pending --lab` names); its owner closes it. */
  readonly current?: LabHosts;
}

/** The inventory a journal entry names, resolved through its provider, or why it cannot be used any more. */
async function loadUsableLab(labFile: string): Promise<LabConfig | string> {
  try {
    const { lab, issues } = await loadLabFile(labFile);
    if (!lab || issues.length) return `inventory ${labFile} does not load: ${issues.map(formatIssue).join('; ') || 'unknown problem'}`;
    return await resolveInventory(lab.config, labFile);
  } catch (error) {
    return `inventory ${labFile} cannot be used: ${errorMessage(error)}`;
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
  /** Inventories other than the current one, opened here and closed with this object. */
  private readonly others = new Map<string, Promise<LabHosts | string>>();

  constructor(private readonly options: JournalHostsOptions) {}

  /** True when the current inventory has the host this entry was written for. */
  readonly isCurrent = (entry: JournalEntry): boolean => this.options.current !== undefined && hostWithIdentity(this.options.current.lab.hosts, entry.hostIdentity) !== undefined;

  readonly transportFor = async (entry: JournalEntry): Promise<Transport | { unavailable: string }> => {
    const current = this.options.current;
    const own = current && hostWithIdentity(current.lab.hosts, entry.hostIdentity);
    if (current && own) return current.transportFor(own.name);
    const hosts = await this.inventory(resolve(entry.labFile));
    if (typeof hosts === 'string') return { unavailable: hosts };
    const host = hosts.lab.hosts.find((h) => h.name === entry.host);
    if (!host) return { unavailable: `host ${entry.host} is no longer in ${entry.labFile}` };
    if (hostIdentity(host) !== entry.hostIdentity) {
      return { unavailable: `${entry.labFile} now reaches ${entry.host} as "${hostIdentity(host)}"; the entry was written for "${entry.hostIdentity}" and replays only there` };
    }
    return hosts.transportFor(host.name);
  };

  private inventory(labFile: string): Promise<LabHosts | string> {
    let opening = this.others.get(labFile);
    if (!opening) {
      opening = loadUsableLab(labFile).then((lab): LabHosts | string | Promise<LabHosts> => (typeof lab === 'string' ? lab : LabHosts.open(lab, labFile, this.options)));
      this.others.set(labFile, opening);
    }
    return opening;
  }

  async close(): Promise<void> {
    const opened = await Promise.allSettled(this.others.values());
    this.others.clear();
    await Promise.allSettled(opened.map((o) => (o.status === 'fulfilled' && typeof o.value !== 'string' ? o.value.close() : undefined)));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

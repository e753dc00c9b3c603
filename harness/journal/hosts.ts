import { dirname, resolve } from 'node:path';
import { loadLabFile } from '../config/load-project.js';
import type { LabConfig } from '../config/lab-schema.js';
import { labSecrets } from '../config/secrets.js';
import type { Clock } from '../core/clock.js';
import { formatIssue } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createTransport } from '../transport/registry.js';
import type { Transport } from '../transport/transport.js';
import type { JournalEntry } from './journal.js';

export interface JournalHostsOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The current run's own lab: its pooled transports are reused. */
  readonly current?: { readonly labFile: string; readonly transportFor: (host: string) => Transport };
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
 * Finds the transport for a journal entry's host: the entry names its
 * inventory file, which is loaded (and validated) again; a host that is no
 * longer there, or an inventory that no longer loads, is reported, not guessed.
 */
export class JournalHosts implements AsyncDisposable {
  private readonly labs = new Map<string, Promise<LabConfig | string>>();
  private readonly transports = new Map<string, Transport>();

  constructor(private readonly options: JournalHostsOptions) {}

  readonly transportFor = async (entry: JournalEntry): Promise<Transport | { unavailable: string }> => {
    const labFile = resolve(entry.labFile);
    const current = this.options.current;
    if (current && resolve(current.labFile) === labFile) return current.transportFor(entry.host);
    const key = `${labFile}#${entry.host}`;
    const known = this.transports.get(key);
    if (known) return known;
    const lab = await this.lab(labFile);
    if (typeof lab === 'string') return { unavailable: lab };
    const host = lab.hosts.find((h) => h.name === entry.host);
    if (!host) return { unavailable: `host ${entry.host} is no longer in ${entry.labFile}` };
    const secrets = await labSecrets(lab, labFile);
    const transport = createTransport(host, { resolveSecret: (ref) => secrets.resolve(ref), clock: this.options.clock, logger: this.options.logger, baseDir: dirname(labFile) });
    this.transports.set(key, transport);
    return transport;
  };

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

import type { LabConfig } from '../config/lab-schema.js';
import { systemClock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { HostStatus, LabProvider } from './lab-provider.js';
import { LabHosts } from './lab-hosts.js';

/**
 * Machines that already exist: nothing is created or removed; `up` and `status`
 * probe each host over its transport, `down` does nothing.
 */
export class StaticLabProvider implements LabProvider {
  readonly kind = 'static' as const;

  constructor(private readonly inventoryFile: string) {}

  async resolve(lab: LabConfig): Promise<LabConfig> {
    return lab;
  }

  async up(lab: LabConfig, options: { onProgress?: (message: string) => void } = {}): Promise<LabConfig> {
    const states = await this.status(lab);
    for (const state of states) options.onProgress?.(`${state.name}: ${state.state}${state.detail ? ` (${state.detail})` : ''}`);
    return lab;
  }

  async down(): Promise<void> {
    // Static machines are not ours to remove.
  }

  async status(lab: LabConfig): Promise<readonly HostStatus[]> {
    await using hosts = await LabHosts.open(lab, this.inventoryFile, { clock: systemClock, logger: silentLogger });
    return Promise.all(
      lab.hosts.map(async (host): Promise<HostStatus> => {
        try {
          await hosts.transportFor(host.name).probe({ timeoutMs: 10_000 });
          return { name: host.name, state: 'external' };
        } catch (error) {
          return { name: host.name, state: 'unhealthy', detail: errorMessage(error) };
        }
      }),
    );
  }
}

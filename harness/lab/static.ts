import { dirname } from 'node:path';
import type { LabConfig } from '../config/lab-schema.js';
import { systemClock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { labSecrets } from '../config/secrets.js';
import { createTransport } from '../transport/registry.js';
import type { HostStatus, LabProvider } from './lab-provider.js';

/**
 * Machines that already exist: nothing is created or removed; `up` and `status`
 * probe each host over its transport, `down` does nothing.
 */
export class StaticLabProvider implements LabProvider {
  readonly kind = 'static' as const;

  constructor(private readonly inventoryFile: string) {}

  async up(lab: LabConfig, options: { onProgress?: (message: string) => void } = {}): Promise<LabConfig> {
    const states = await this.status(lab);
    for (const state of states) options.onProgress?.(`${state.name}: ${state.state}${state.detail ? ` (${state.detail})` : ''}`);
    return lab;
  }

  async down(): Promise<void> {
    // Static machines are not ours to remove.
  }

  async status(lab: LabConfig): Promise<readonly HostStatus[]> {
    const secrets = await labSecrets(lab, this.inventoryFile);
    const context = { resolveSecret: (ref: string) => secrets.resolve(ref), clock: systemClock, logger: silentLogger, baseDir: dirname(this.inventoryFile) };
    return Promise.all(
      lab.hosts.map(async (host): Promise<HostStatus> => {
        const transport = createTransport(host, context);
        try {
          await transport.probe({ timeoutMs: 10_000 });
          return { name: host.name, state: 'external' };
        } catch (error) {
          return { name: host.name, state: 'unhealthy', detail: errorMessage(error) };
        } finally {
          await transport.close();
        }
      }),
    );
  }
}

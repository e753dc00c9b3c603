import type { HostConfig, TransportConfig } from '../config/lab-schema.js';
import { createDockerExecTransport } from './docker-exec.js';
import { createSshTransport } from './ssh.js';
import type { Transport, TransportContext } from './transport.js';
import { createWinRmTransport } from './winrm.js';

export type TransportFactory = (host: HostConfig, context: TransportContext) => Transport;

/** Built-in transports, one per `transport.kind` of the inventory. */
export const transportFactories: Partial<Record<TransportConfig['kind'], TransportFactory>> = { ssh: createSshTransport, winrm: createWinRmTransport, 'docker-exec': createDockerExecTransport };

export function createTransport(host: HostConfig, context: TransportContext): Transport {
  const factory = transportFactories[host.transport.kind];
  if (!factory) throw new Error(`no transport registered for kind ${host.transport.kind}`);
  return factory(host, context);
}

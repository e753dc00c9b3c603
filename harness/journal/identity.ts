import type { HostConfig } from '../config/lab-schema.js';

/**
 * What a journal entry was written for: the host's inventory name and where
 * chaoslab reached it (transport kind, address and port, or the container).
 * Two inventories that describe the same machine the same way (a container
 * lab's file and the concrete inventory `lab up` writes for it) give the same
 * identity; an inventory whose host of that name now points elsewhere does
 * not, so a pending revert is never replayed against another machine.
 */
export function hostIdentity(host: HostConfig): string {
  const transport = host.transport;
  switch (transport.kind) {
    case 'ssh':
      return `${host.name} ssh ${host.address}:${transport.port}`;
    case 'winrm':
      return `${host.name} winrm ${transport.scheme}://${host.address}:${transport.port ?? (transport.scheme === 'https' ? 5986 : 5985)}`;
    case 'docker-exec':
      return `${host.name} docker-exec ${transport.container}`;
  }
}

/** The host of `hosts` this identity names, if any. */
export function hostWithIdentity<H extends HostConfig>(hosts: readonly H[], identity: string): H | undefined {
  return hosts.find((host) => hostIdentity(host) === identity);
}

import { z } from 'zod';
import { sh } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { serviceCommand } from './file-state.js';

const SERVICES = {
  rsyslog: 'rsyslogd',
  cron: 'cron',
  dnsmasq: 'dnsmasq',
  smbd: 'smbd',
} as const;

const serviceParams = z.strictObject({
  service: z.enum(Object.keys(SERVICES) as [keyof typeof SERVICES, ...(keyof typeof SERVICES)[]]),
});

/**
 * Stops a service (logging, scheduling, DNS, file sharing). The service list is
 * closed: ssh and the healer are not in it, and the management-plane check
 * refuses anything the inventory protects.
 */
export const serviceStopped = defineFault({
  name: 'linux.service_stopped',
  platform: 'linux',
  summary: 'Stop a service (rsyslog, cron, dnsmasq, smbd)',
  params: serviceParams,
  resources: (p) => [`service:${p.service}`],
  footprint: (p) => ({ services: [p.service] }),
  build: (p) => {
    const running = sh`pgrep -x ${SERVICES[p.service]} >/dev/null`;
    return {
      snapshot: `if ${running}; then echo running; else echo stopped; fi`,
      inject: serviceCommand('stop', p.service),
      check: running,
      revert: (snapshot) => (snapshot === 'stopped' ? serviceCommand('stop', p.service) : `${running} || ${serviceCommand('start', p.service)}`),
    };
  },
});

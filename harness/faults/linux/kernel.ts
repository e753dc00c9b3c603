import { z } from 'zod';
import { posixReadValue } from '../../quoting/posix-check.js';
import { sh } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { isOneOf, valueOrList } from './compliance.js';

const params = z.strictObject({
  parameter: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'must be a sysctl key like net.ipv4.ip_forward').default('net.ipv4.ip_forward'),
  value: z.string().regex(/^[0-9]+$/).default('1'),
  /** The compliant values (any of them heals the drift). */
  compliant: valueOrList(z.string().regex(/^[0-9]+$/, 'must be a number')).default(['0']),
});

/**
 * Changes a kernel parameter. In the embedded lab the network namespace's own
 * `net.ipv4.ip_forward` is changed (harmless to the machine); /proc/sys is
 * writable there because the provider unmasks it for the lab containers.
 */
export const sysctlValue = defineFault({
  name: 'linux.sysctl',
  platform: 'linux',
  summary: 'Set a sysctl (e.g. net.ipv4.ip_forward=1)',
  params,
  resources: (p) => [`sysctl:${p.parameter}`],
  footprint: () => ({}),
  build: (p) => ({
    snapshot: sh`sysctl -n ${p.parameter}`,
    inject: sh`sysctl -q -w ${`${p.parameter}=${p.value}`}`,
    check: `${posixReadValue(sh`sysctl -n ${p.parameter}`)}; ${isOneOf('"$value"', p.compliant)}`,
    revert: (snapshot) => {
      if (!/^[0-9]+$/.test(snapshot)) throw new Error(`snapshot of ${p.parameter} is not a number: ${JSON.stringify(snapshot)}`);
      return sh`sysctl -q -w ${`${p.parameter}=${snapshot}`}`;
    },
  }),
});

import { z } from 'zod';
import { posixReadValue } from '../../quoting/posix-check.js';
import { sh } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { isOneOf, valueOrList } from './compliance.js';
import { absolutePath, restoreFile, snapshotFile } from './file-state.js';

/** RFC 5737 documentation networks: an injected resolver can never be a real server. */
const DOCUMENTATION_NETS = [/^192\.0\.2\.\d{1,3}$/, /^198\.51\.100\.\d{1,3}$/, /^203\.0\.113\.\d{1,3}$/];
const documentationAddress = z
  .string()
  .refine((value) => DOCUMENTATION_NETS.some((net) => net.test(value)) && value.split('.').every((part) => Number(part) <= 255), {
    message: 'must be an address of a documentation network (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24): nothing is ever queried',
  });

const hijackParams = z.strictObject({
  nameserver: documentationAddress.default('192.0.2.53'),
  /** The approved resolvers: compliant when the first nameserver is one of them and the injected one is gone. */
  compliant: valueOrList(z.string().regex(/^[0-9.:a-fA-F]+$/, 'must be an IP address')).default(['127.0.0.1']),
  path: absolutePath.default('/etc/resolv.conf'),
});

/**
 * DNS resolver hijack: the first nameserver is changed in the configuration.
 * Configuration only — chaoslab queries nothing, and the address is a
 * documentation address that no server answers for.
 */
export const resolverHijack = defineFault({
  name: 'linux.resolver_hijack',
  platform: 'linux',
  summary: 'Point /etc/resolv.conf at a documentation address (configuration change only)',
  params: hijackParams,
  resources: (p) => [`file:${p.path}`],
  footprint: (p) => ({ paths: [p.path] }),
  build: (p) => ({
    snapshot: snapshotFile(p.path),
    // `>` rewrites in place: the engine bind-mounts resolv.conf, a rename would fail.
    inject: sh`printf 'nameserver %s\n' ${p.nameserver} > ${p.path}`,
    check: `${posixReadValue(sh`awk '$1=="nameserver" {print $2; exit}' ${p.path}`)}; ${sh`! awk -v bad=${p.nameserver} '$1=="nameserver" && $2==bad {found=1} END {exit !found}' ${p.path}`} && ${isOneOf('"$value"', p.compliant)}`,
    revert: (snapshot) => restoreFile(p.path, snapshot),
  }),
});

import type { FaultDefinition } from '../fault.js';
import { resolverHijack } from './dns.js';
import { auditRulesRemoved, fileMode, suidPlanted } from './files.js';
import { firewallOpen } from './firewall.js';
import { sysctlValue } from './kernel.js';
import { authorizedKey, cronJob } from './persistence.js';
import { sambaSigning } from './samba.js';
import { serviceStopped } from './services.js';
import { sshdOption } from './sshd.js';

/** The built-in Linux faults (POSIX sh; every parameter quoted by the `sh` template). */
export const linuxFaults: readonly FaultDefinition[] = [
  sshdOption,
  firewallOpen,
  resolverHijack,
  serviceStopped,
  sambaSigning,
  fileMode,
  suidPlanted,
  auditRulesRemoved,
  sysctlValue,
  cronJob,
  authorizedKey,
];

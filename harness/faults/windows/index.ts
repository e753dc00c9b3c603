import { auditPolicyDisabled } from './audit-policy.js';
import { defenderExclusion } from './defender.js';
import { dnsClientHijack } from './dns.js';
import { firewallProfilesOff } from './firewall.js';
import { guestAccountEnabled } from './guest-account.js';
import { networkProfilePublic } from './network-profile.js';
import { registryValue, runKeyPersistence } from './registry-value.js';
import { scheduledTaskPersistence } from './scheduled-task.js';
import { serviceState } from './service.js';
import { smbSigningNotRequired } from './smb.js';

/** The Windows fault library, in the order the docs list it. */
export const windowsFaults = [
  firewallProfilesOff,
  dnsClientHijack,
  smbSigningNotRequired,
  registryValue,
  runKeyPersistence,
  scheduledTaskPersistence,
  networkProfilePublic,
  defenderExclusion,
  serviceState,
  auditPolicyDisabled,
  guestAccountEnabled,
] as const;

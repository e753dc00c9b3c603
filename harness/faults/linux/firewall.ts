import { z } from 'zod';
import { sh } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';

const params = z.strictObject({
  /** Only chains whose opening can never lock chaoslab out. */
  chain: z.enum(['INPUT', 'FORWARD']).default('INPUT'),
  flush: z.boolean().default(true),
  /** The management port whose ACCEPT rule proves the baseline rules are in place. */
  required_port: z.number().int().min(1).max(65535).default(22),
});

/**
 * "Firewall disabled": the chain's policy becomes ACCEPT and (optionally) its
 * rules are flushed. Only ever opens: a DROP policy without the management rule
 * would cut chaoslab off, so that is not a parameter. Revert restores the exact
 * iptables-save snapshot (rules and policies; counters restart at zero). Compliant: the chain denies by default (a DROP policy,
 * or a final rule that drops or rejects everything) and the management port is
 * still accepted.
 */
export const firewallOpen = defineFault({
  name: 'linux.firewall_open',
  platform: 'linux',
  summary: 'Set the iptables chain policy to ACCEPT and flush its rules (firewall disabled)',
  params,
  resources: () => ['firewall'],
  footprint: () => ({}),
  build: (p) => ({
    // without iptables-save's dated header and live packet counters: the same rules give the same snapshot bytes (`chaoslab selftest` compares them)
    snapshot: "iptables-save | sed -e '/^#/d' -e 's/ \\[[0-9]*:[0-9]*\\]$/ [0:0]/' | base64 -w0",
    inject: p.flush ? sh`iptables -P ${p.chain} ACCEPT && iptables -F ${p.chain}` : sh`iptables -P ${p.chain} ACCEPT`,
    // default deny either way a hardening policy writes it: a DROP policy, or a last rule that drops or rejects everything
    check: sh`{ iptables -S ${p.chain} | grep -qx -- ${`-P ${p.chain} DROP`} || iptables -S ${p.chain} | tail -n 1 | grep -qE -- ${`^-A ${p.chain} -j (DROP|REJECT)( --reject-with [a-z0-9-]+)?$`}; } && iptables -S INPUT | grep -q -- ${`--dport ${p.required_port} -j ACCEPT`}`,
    revert: (snapshot) => sh`printf %s ${snapshot} | base64 -d | iptables-restore`,
  }),
});

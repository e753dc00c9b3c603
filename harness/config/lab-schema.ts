import { z } from 'zod';
import { ChaoslabError } from '../core/errors.js';
import { duration, identifier, platform, protectSpec, secretRef } from './fields.js';
import { haltListSchema } from './halt-schema.js';
import { healerControlSchema } from './healer-control-schema.js';
import { hooksSchema } from './hooks-schema.js';
import { observerSchema } from './observer-schema.js';
import { checkKerberosLogin, kerberosLoginSchema } from './winrm-kerberos-schema.js';

export const sshTransportSchema = z
  .strictObject({
    kind: z.literal('ssh'),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1),
    key: secretRef.optional(),
    password: secretRef.optional(),
    passphrase: secretRef.optional(),
    known_hosts: z.string().optional().meta({ description: 'Path of a known_hosts file pinning the host key' }),
    insecure_host_key: z.boolean().default(false).meta({ description: 'Lab only: accept any host key' }),
    /** Windows hosts reached over OpenSSH run commands with PowerShell. */
    shell: z.enum(['posix', 'powershell']).optional(),
    default_shell: z
      .enum(['cmd', 'powershell'])
      .default('cmd')
      .meta({ description: "Windows over OpenSSH: the shell sshd runs commands through (the DefaultShell registry value). cmd (Windows' default) refuses lines over 8191 characters, so long scripts go up in chunks; powershell takes them as one line, up to Windows' 32767-character command line" }),
    keepalive: duration.default(2_000).meta({ description: 'Interval of SSH keepalive requests on an open connection (a duration: 2s, 500ms)' }),
    keepalive_count_max: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .meta({ description: 'Keepalives left unanswered before the host is declared lost for the rest of the run (lost within keepalive × (count + 1))' }),
    connect_timeout: duration.default(10_000),
  })
  .refine((t) => t.key !== undefined || t.password !== undefined, { message: 'needs `key` or `password`', path: ['key'] })
  .refine((t) => t.known_hosts !== undefined || t.insecure_host_key, {
    message: 'needs `known_hosts` to pin the host key, or `insecure_host_key: true` for a lab',
    path: ['known_hosts'],
  });

/** WinRM's default MaxTimeoutms: the longest OperationTimeout a listener accepts. */
export const WINRM_MAX_TIMEOUT_MS = 60_000;

export const winrmTransportSchema = z.strictObject({
  kind: z.literal('winrm'),
  scheme: z.enum(['https', 'http']).default('https'),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1),
  // required, except with auth: kerberos and kerberos.keytab or kerberos.ccache (checkKerberosLogin says so); its description stays the secret reference's
  password: secretRef.optional(),
  auth: z.enum(['ntlm', 'basic', 'kerberos']).default('ntlm'),
  kerberos: kerberosLoginSchema.optional(),
  ca: z.string().optional().meta({ description: 'PEM file of the CA that signed the WinRM listener certificate' }),
  insecure_tls: z.boolean().default(false),
  operation_timeout: duration.refine((ms) => ms <= WINRM_MAX_TIMEOUT_MS, { message: `must be at most 60s: WinRM refuses a longer OperationTimeout (MaxTimeoutms, 60000 by default); a longer command is fine, its output is asked for again` }).default(60_000),
  connect_timeout: duration.default(10_000),
  max_retries: z.number().int().min(0).max(10).default(2),
  // How commands run on the machine (docs/windows.md, "Execution model").
  execution: z.enum(['persistent', 'process']).default('persistent').meta({
    description: 'persistent: one long-lived PowerShell host per machine runs every script (no process per probe); process: one powershell.exe per command (the model before; also the fallback under ConstrainedLanguage)',
  }),
  max_connections: z.number().int().min(1).max(16).default(4).meta({ description: 'Authenticated WinRM connections to the host at once, one request in flight on each (persistent execution uses at least 2)' }),
  retry_budget: duration.default(120_000).meta({ description: 'How long a read-only command (check, probe, preflight, snapshot) is retried across reconnects, e.g. through a WinRM service restart; 0s: never' }),
  probe_budget: duration.default(60_000).meta({ description: 'How long the liveness probe after each attempt keeps trying before the host is quarantined; 0s: one try' }),
  allow_unencrypted: z.boolean().default(false).meta({ description: 'Lab only: Basic auth over plain HTTP (the listener needs AllowUnencrypted=true)' }),
}).refine((t) => t.scheme === 'https' || t.auth !== 'basic' || t.allow_unencrypted, {
  message: 'Basic auth over plain HTTP sends the password in clear: use scheme https, auth ntlm (messages are then encrypted), or allow_unencrypted: true in a lab',
  path: ['auth'],
}).superRefine(checkKerberosLogin);

export const dockerExecTransportSchema = z.strictObject({
  kind: z.literal('docker-exec'),
  container: z.string().min(1),
  user: z.string().optional(),
});

export const transportSchema = z.discriminatedUnion('kind', [sshTransportSchema, winrmTransportSchema, dockerExecTransportSchema]);
export type TransportConfig = z.infer<typeof transportSchema>;

/**
 * The healing stack a host runs, by profile name. In a container lab it chooses
 * what the lab host starts (CONTAINER_HEALERS); in any lab it keys the
 * per-stack expectation overlays (`expectations:`).
 */
export const healerProfile = identifier.meta({ description: 'Healing stack profile: reference, cfengine, puppet, none in a container lab; any name in a static lab' });

/** The stacks the lab host image carries; `none` starts no healer. */
export const CONTAINER_HEALERS = ['reference', 'cfengine', 'puppet', 'none'] as const;

export const hostSchema = z.strictObject({
  name: identifier,
  platform,
  roles: z.array(z.string().min(1)).default([]),
  address: z.string().min(1).optional().meta({ description: 'Name or IP of the host; required for a static host reached over ssh or winrm (the container provider fills it)' }),
  allow_controller: z.boolean().default(false).meta({
    description: 'This host may be the machine chaoslab runs on (a test sshd on 127.0.0.1, a port a container publishes there): its faults then land on this machine',
  }),
  aliases: z.array(z.string().min(1)).default([]).meta({ description: 'Other names the healing stack may use: FQDN, IP' }),
  transport: transportSchema,
  protect: protectSpec.prefault({}),
  /** This host's healing stack; overrides the lab's `healer`. */
  healer: healerProfile.optional(),
  /** How `chaoslab selftest` pauses and resumes this host's healer; overrides the lab's. */
  healer_control: healerControlSchema.optional(),
  /** Container lab only: how the provider builds this host. */
  container: z
    .strictObject({
      image: z.string().default('chaoslab/linux-host'),
      /** false: start no healing stack in this container (whatever `healer` says). */
      healer: z.boolean().default(true),
    })
    .optional(),
});
export type HostConfig = z.infer<typeof hostSchema>;

/** Hosts whose transport connects to `address`; docker-exec reaches its container through the engine instead. */
export function needsAddress(host: { readonly transport: { readonly kind: string } }): boolean {
  return host.transport.kind === 'ssh' || host.transport.kind === 'winrm';
}

export const labSchema = z.strictObject({
  kind: z.literal('lab').optional(),
  name: identifier,
  provider: z.enum(['static', 'container']).default('static'),
  clock_skew_tolerance: duration.default(2000),
  hosts: z.array(hostSchema).min(1),
  observers: z.array(observerSchema).default([]),
  protect: protectSpec.prefault({}),
  /** The healing stack of every host that names none (container labs: default reference). */
  healer: healerProfile.optional(),
  /** How `chaoslab selftest` pauses and resumes the healer of every host that declares none (container labs know their own). */
  healer_control: healerControlSchema.optional(),
  /**
   * Per-stack expectations: healer profile → overlay file (relative to this
   * inventory) whose entries replace scenarios' `expect` on hosts running that stack.
   */
  expectations: z.record(identifier, z.string().min(1)).default({}),
  /** How often the healer under test scans; windows shorter than this are warned about. */
  healer_scan_interval: duration.optional(),
  /** Emergency stops checked from before the first injection to the end of every run on this lab. */
  halt: haltListSchema,
  /** Commands on the controller before/after the run and each attempt. */
  hooks: hooksSchema,
}).superRefine((lab, ctx) => {
  // Without an address a static host once meant 127.0.0.1: the controller itself, as root.
  if (lab.provider !== 'static') return;
  lab.hosts.forEach((host, index) => {
    if (host.address === undefined && needsAddress(host)) {
      ctx.addIssue({ code: 'custom', path: ['hosts', index, 'address'], message: `is required for a static host reached over ${host.transport.kind}: the name or IP of the lab machine` });
    }
  });
});
export type LabConfig = z.infer<typeof labSchema>;

/** The address a transport connects to; validation guarantees one for every ssh and winrm host. */
export function addressOf(host: HostConfig): string {
  if (host.address === undefined) throw new ChaoslabError('CHAOSLAB_LAB_INVALID', `host ${host.name} has no address: a host reached over ${host.transport.kind} needs one`);
  return host.address;
}

/** The profile of the stack on a host: its own `healer`, else the lab's, else `reference` (container labs). */
export function healerOf(lab: LabConfig, host: HostConfig): string | undefined {
  if (host.container?.healer === false) return 'none';
  return host.healer ?? lab.healer ?? (lab.provider === 'container' ? 'reference' : undefined);
}

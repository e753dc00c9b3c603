import { z } from 'zod';
import { sh } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { absolutePath } from './file-state.js';

const cronParams = z.strictObject({
  path: absolutePath.default('/etc/cron.d/chaoslab-beacon').refine((path) => path.startsWith('/etc/cron.d/'), { message: 'must be a file in /etc/cron.d/' }),
  schedule: z.string().regex(/^[0-9*\/,-]+( [0-9*\/,-]+){4}$/, 'must be five cron fields').default('*/5 * * * *'),
  user: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('root'),
  /** What the job runs: harmless by default, never anything that talks to the network. */
  command: z.string().regex(/^[A-Za-z0-9 \/._-]+$/, 'must be a simple command (letters, digits, spaces, "/", ".", "_", "-")').default('/bin/true'),
});

/** Persistence: a new job file in /etc/cron.d. */
export const cronJob = defineFault({
  name: 'linux.cron_job',
  platform: 'linux',
  summary: 'Plant a persistence job in /etc/cron.d',
  params: cronParams,
  resources: (p) => [`file:${p.path}`, 'cron.d'],
  footprint: (p) => ({ paths: [p.path] }),
  build: (p) => ({
    inject: sh`printf '# chaoslab persistence drill\n%s %s %s\n' ${p.schedule} ${p.user} ${p.command} > ${p.path} && chmod 0644 ${p.path}`,
    check: sh`test ! -e ${p.path}`,
    revert: () => sh`rm -f ${p.path}`,
  }),
});

/** A public key whose private half was discarded when it was generated. */
const THROWAWAY_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGUjnmxB733TnPjHj6ZUBkaQnE/APEa9iBrMuKb1lKVg';

const keyParams = z.strictObject({
  /** Never the account chaoslab logs in with (the management plane check refuses it). */
  user: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('ops'),
  public_key: z.string().regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256) [A-Za-z0-9+/=]+$/, 'must be `type base64` of an OpenSSH public key').default(THROWAWAY_KEY),
  marker: z.string().regex(/^[A-Za-z0-9@._-]+$/).default('chaoslab-planted-key'),
});

/**
 * Persistence: an extra key in a user's authorized_keys, tagged with a marker
 * comment. Revert removes exactly the marked lines and rewrites the file in
 * place (owner and mode kept), never restoring an older copy over it.
 */
export const authorizedKey = defineFault({
  name: 'linux.authorized_key',
  platform: 'linux',
  summary: "Add an unknown key to a user's authorized_keys",
  params: keyParams,
  resources: (p) => [`authorized_keys:${p.user}`],
  footprint: (p) => ({ accounts: [p.user] }),
  build: (p) => {
    const file = sh`"$(getent passwd ${p.user} | cut -d: -f6)/.ssh/authorized_keys"`;
    return {
      inject: `f=${file}; ` + sh`printf '%s %s\n' ${p.public_key} ${p.marker} >> "$f"`,
      check: `f=${file}; ` + sh`! grep -qF -- ${p.marker} "$f"`,
      revert: () => `f=${file}; ` + sh`grep -vF -- ${p.marker} "$f" > "$f.chaoslab-tmp"; cat "$f.chaoslab-tmp" > "$f"; rm -f "$f.chaoslab-tmp"`,
    };
  },
});

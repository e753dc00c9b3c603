import { z } from 'zod';
import { posixReadValue } from '../../quoting/posix-check.js';
import { sh } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { absolutePath, octalMode, restoreFile, snapshotFile, statMode } from './file-state.js';

const modeParams = z.strictObject({ path: absolutePath, mode: octalMode, compliant: octalMode });

/** Loosens a file's permissions (/etc/shadow 644, sshd_config 666, /etc/crontab 666). */
export const fileMode = defineFault({
  name: 'linux.file_mode',
  platform: 'linux',
  summary: 'chmod a sensitive file to a looser mode',
  params: modeParams,
  resources: (p) => [`file:${p.path}`],
  footprint: (p) => ({ paths: [p.path] }),
  build: (p) => ({
    snapshot: sh`stat -c %a ${p.path}`,
    inject: sh`chmod ${p.mode} ${p.path}`,
    check: `${posixReadValue(sh`stat -c %a ${p.path}`)}; ${sh`test "$value" = ${statMode(p.compliant)}`}`,
    revert: (snapshot) => sh`chmod ${fileModeOrThrow(snapshot)} ${p.path}`,
  }),
});

function fileModeOrThrow(snapshot: string): string {
  if (!/^[0-7]{3,4}$/.test(snapshot)) throw new Error(`snapshot is not a file mode: ${JSON.stringify(snapshot)}`);
  return snapshot;
}

const TEMP_DIRS = ['/tmp', '/var/tmp', '/dev/shm'];

const suidParams = z.strictObject({
  path: absolutePath
    .default('/tmp/.chaoslab-suid')
    .refine((path) => TEMP_DIRS.some((dir) => path.startsWith(`${dir}/`)), { message: `must be inside ${TEMP_DIRS.join(', ')}` }),
  /** Copied and made set-uid root; a harmless program by default. */
  source: absolutePath.default('/usr/bin/id'),
});

/** Plants a set-uid root binary in a world-writable temp directory. */
export const suidPlanted = defineFault({
  name: 'linux.suid_planted',
  platform: 'linux',
  summary: 'Plant a set-uid root binary in /tmp',
  params: suidParams,
  resources: () => ['suid:tmp'],
  footprint: (p) => ({ paths: [p.path] }),
  build: (p) => ({
    inject: sh`cp ${p.source} ${p.path} && chown root:root ${p.path} && chmod 4755 ${p.path}`,
    check: sh`test -z "$(find ${TEMP_DIRS} -xdev -type f -perm /6000 2>/dev/null)"`,
    revert: () => sh`rm -f ${p.path}`,
  }),
});

const auditParams = z.strictObject({
  path: absolutePath.default('/etc/audit/rules.d/chaoslab.rules'),
  /** A rule that must be present for the host to be compliant. */
  required_rule: z.string().regex(/^-[a-zA-Z] [^\n]+$/, 'must be one auditctl rule line').default('-w /etc/shadow -p wa -k identity'),
});

/**
 * Audit rules removed (every rule line deleted from the rules file). auditd
 * cannot run in an unprivileged container (the audit netlink socket is not
 * namespaced), so the embedded lab checks the rules as configuration.
 */
export const auditRulesRemoved = defineFault({
  name: 'linux.audit_rules_removed',
  platform: 'linux',
  summary: 'Delete the audit rules from an audit rules file',
  params: auditParams,
  resources: (p) => [`file:${p.path}`],
  footprint: (p) => ({ paths: [p.path] }),
  build: (p) => ({
    snapshot: snapshotFile(p.path),
    inject: sh`sed -i '/^-/d' ${p.path}`,
    check: sh`grep -qxF -- ${p.required_rule} ${p.path}`,
    revert: (snapshot) => restoreFile(p.path, snapshot),
  }),
});

import { z } from 'zod';
import { posixReadValue } from '../../quoting/posix-check.js';
import { sh } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { absolutePath, octalMode, restoreFile, snapshotFile, statMode } from './file-state.js';

const modeParams = z.strictObject({
  path: absolutePath,
  mode: octalMode,
  /** The most permissive compliant mode: any mode without a permission bit outside it passes (600 and 400 pass for 640). */
  compliant: octalMode,
});

/**
 * Loosens a file's permissions (/etc/shadow 644, sshd_config 666, /etc/crontab
 * 666). A healer that tightens further than the baseline (shadow 600 where it
 * was 640) has healed: the check only asks that no bit beyond `compliant` is set.
 */
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
    // $(( )) reads a leading 0 as octal: the bits of the mode that `compliant` does not allow
    check: `${posixReadValue(sh`stat -c %a ${p.path}`)}; ${sh`allowed=${statMode(p.compliant)}`}; [ $(( 0$value & ~0$allowed & 07777 )) -eq 0 ]`,
    revert: (snapshot) => sh`chmod ${fileModeOrThrow(snapshot)} ${p.path}`,
  }),
});

/** One space between words, none around: how the check compares rule lines. */
function normalizeRule(rule: string): string {
  return rule.trim().replace(/[ \t]+/g, ' ');
}

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
 * namespaced), so the embedded lab checks the rules as configuration. The
 * required rule may come back in any rules file of the directory (augenrules
 * loads them all; a hardening policy usually writes its own file), with any
 * spacing.
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
    check: `${sh`rule=${normalizeRule(p.required_rule)}; dir=$(dirname ${p.path}); cat ${p.path}`} "$dir"/*.rules 2>/dev/null | tr -s ' \\t' '  ' | sed 's/^ //; s/ $//' | grep -qxF -- "$rule"`,
    revert: (snapshot) => restoreFile(p.path, snapshot),
  }),
});

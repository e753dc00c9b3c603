import { z } from 'zod';
import { posixReadValue } from '../../quoting/posix-check.js';
import { sh } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { isOneOf, valueOrList } from './compliance.js';
import { absolutePath, restoreFile, snapshotFile } from './file-state.js';

const keyword = z.string().regex(/^[A-Za-z]+$/, 'must be an sshd_config keyword (letters only)');
const word = z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a single sshd_config value (letters, digits, ".", "_", "-")');

/**
 * What a CIS-style policy accepts for the options chaoslab drifts, and what
 * OpenSSH uses when the option is absent (a healer may fix drift by deleting
 * the injected line). Keys are lower-case: sshd reads keywords and these
 * values case-insensitively.
 */
const KNOWN_OPTIONS: Readonly<Record<string, { readonly compliant?: readonly string[]; readonly max?: number; readonly sshdDefault: string }>> = {
  permitrootlogin: { compliant: ['no', 'prohibit-password', 'without-password', 'forced-commands-only'], sshdDefault: 'prohibit-password' },
  passwordauthentication: { compliant: ['no'], sshdDefault: 'yes' },
  permitemptypasswords: { compliant: ['no'], sshdDefault: 'no' },
  x11forwarding: { compliant: ['no'], sshdDefault: 'no' },
  maxauthtries: { max: 4, sshdDefault: '6' },
};

const params = z
  .strictObject({
    option: keyword,
    value: word,
    /** The compliant values (any of them heals the drift); default for known options: what CIS accepts. */
    compliant: valueOrList(word).optional(),
    /** For numeric options: compliant when the value is a number at most this. */
    compliant_max: z.number().int().min(0).optional(),
    path: absolutePath.default('/etc/ssh/sshd_config'),
  })
  .superRefine((p, ctx) => {
    if (p.compliant !== undefined && p.compliant_max !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['compliant_max'], message: 'give either `compliant` (a list of values) or `compliant_max` (a number), not both' });
    } else if (p.compliant === undefined && p.compliant_max === undefined && !KNOWN_OPTIONS[p.option.toLowerCase()]) {
      const known = Object.keys(KNOWN_OPTIONS).join(', ');
      ctx.addIssue({ code: 'custom', path: ['compliant'], message: `must list the compliant values of ${p.option} (or give compliant_max): chaoslab knows defaults only for ${known}` });
    }
  });

type SshdParams = z.infer<typeof params>;

/**
 * The check: sshd takes the first occurrence of a keyword, and the OpenSSH
 * default when there is none (known options only; otherwise a missing line is
 * drift). Compliant when that value is in the compliant set, or a number at
 * most `compliant_max`.
 */
function complianceCheck(p: SshdParams): string {
  const known = KNOWN_OPTIONS[p.option.toLowerCase()];
  // a file that cannot be read is a probe error (exit 2), not drift
  const first = posixReadValue(sh`awk -v opt=${p.option.toLowerCase()} 'tolower($1)==opt {print tolower($2); exit}' ${p.path}`);
  const fallback = known ? `; [ -n "$value" ] || value=${sh`${known.sshdDefault}`}` : '';
  const max = p.compliant === undefined ? (p.compliant_max ?? known?.max) : undefined;
  const test = max !== undefined ? `[ "$value" -eq "$value" ] 2>/dev/null && [ "$value" -le ${max} ]` : isOneOf('"$value"', p.compliant ?? known?.compliant ?? [], true);
  return `${first}${fallback}; ${test}`;
}

/**
 * Sets one sshd_config option (replacing its first line, or appending it).
 * sshd is NOT restarted: it re-executes itself for every connection and so
 * re-reads the file, and only permissive values are injected (root login by
 * password, passwords, more tries): chaoslab's own key login keeps working, and
 * a broken file is impossible because values are validated words.
 */
export const sshdOption = defineFault({
  name: 'linux.sshd_option',
  platform: 'linux',
  summary: 'Set an sshd_config option (e.g. PermitRootLogin yes) without restarting sshd',
  params,
  resources: (p) => [`file:${p.path}`],
  footprint: (p) => ({ paths: [p.path] }),
  build: (p) => {
    const firstLine = `^[[:space:]]*${p.option}[[:space:]]`;
    const replace = `s/${firstLine}.*$/${p.option} ${p.value}/I`;
    return {
      snapshot: snapshotFile(p.path),
      inject: sh`if grep -qiE ${firstLine} ${p.path}; then sed -i -E ${replace} ${p.path}; else printf '%s %s\n' ${p.option} ${p.value} >> ${p.path}; fi`,
      check: complianceCheck(p),
      revert: (snapshot) => restoreFile(p.path, snapshot),
    };
  },
});

import { z } from 'zod';
import { posixReadValue } from '../../quoting/posix-check.js';
import { sh } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { absolutePath, restoreFile, snapshotFile } from './file-state.js';

const keyword = z.string().regex(/^[A-Za-z]+$/, 'must be an sshd_config keyword (letters only)');
const word = z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a single sshd_config value (letters, digits, ".", "_", "-")');

const params = z.strictObject({
  option: keyword,
  value: word,
  compliant: word,
  path: absolutePath.default('/etc/ssh/sshd_config'),
});

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
      // sshd takes the first occurrence of a keyword: so does the check.
      check: `${posixReadValue(sh`awk -v opt=${p.option.toLowerCase()} 'tolower($1)==opt {print $2; exit}' ${p.path}`)}; ${sh`test "$value" = ${p.compliant}`}`,
      revert: (snapshot) => restoreFile(p.path, snapshot),
    };
  },
});

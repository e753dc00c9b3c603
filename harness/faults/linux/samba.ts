import { z } from 'zod';
import { sh } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { isOneOf, valueOrList } from './compliance.js';
import { absolutePath, restoreFile, snapshotFile } from './file-state.js';

const signing = z.enum(['mandatory', 'required', 'auto', 'enabled', 'disabled', 'default']);

const params = z.strictObject({
  value: signing.default('disabled'),
  /** What `testparm` prints for a compliant setting, any case (it prints `Required` for mandatory); any of them heals the drift. */
  compliant: valueOrList(z.string().regex(/^[A-Za-z]+$/, 'must be a word')).default(['required']),
  path: absolutePath.default('/etc/samba/smb.conf'),
});

/**
 * SMB signing no longer required: `server signing` in smb.conf's [global]
 * section. The check asks Samba itself (`testparm`) for the effective value,
 * so a setting Samba ignores would not count as compliant or drifted.
 */
export const sambaSigning = defineFault({
  name: 'linux.samba_signing',
  platform: 'linux',
  summary: 'Change Samba `server signing` (e.g. to disabled)',
  params,
  resources: (p) => [`file:${p.path}`],
  footprint: (p) => ({ paths: [p.path] }),
  build: (p) => {
    const line = `   server signing = ${p.value}`;
    return {
      snapshot: snapshotFile(p.path),
      inject: sh`if grep -qiE '^[[:space:]]*server signing[[:space:]]*=' ${p.path}; then sed -i -E ${`s/^[[:space:]]*server signing[[:space:]]*=.*$/${line}/I`} ${p.path}; else sed -i ${`/^\\[global\\]/a\\${line}`} ${p.path}; fi`,
      check: `v=$(testparm -s --parameter-name='server signing' 2>/dev/null | tr A-Z a-z); ${isOneOf('"$v"', p.compliant, true)}`,
      revert: (snapshot) => restoreFile(p.path, snapshot),
    };
  },
});

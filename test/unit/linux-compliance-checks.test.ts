import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFault } from '../../harness/faults/registry.js';
import { tempDir } from '../support/tmp.js';

/**
 * The Linux faults' ground-truth checks test that the drift is gone (any
 * compliant value passes), not that the baseline value is back. Each check is
 * built by its fault and run by the real POSIX sh against real files.
 */
let dir: string;
let dispose: () => Promise<void>;
beforeAll(async () => {
  const tmp = await tempDir('chaoslab-compliance-');
  dir = tmp.path;
  dispose = () => tmp[Symbol.asyncDispose]();
});
afterAll(async () => {
  await dispose?.();
});

function check(fault: string, params: Record<string, unknown>): string {
  const definition = getFault(fault)!;
  return definition.build(definition.params.parse(params)).check;
}

/** True when the check exits 0 (compliant). */
function passes(command: string): boolean {
  const result = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  return result.status === 0;
}

describe('linux.sshd_option: compliant values, not the baseline', () => {
  const config = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  it.each([
    { rule: 'PermitRootLogin no (CIS) where the baseline is prohibit-password → compliant', text: 'PermitRootLogin no\n', ok: true },
    { rule: 'PermitRootLogin prohibit-password → compliant', text: 'PermitRootLogin prohibit-password\n', ok: true },
    { rule: 'values compare case-insensitively, as sshd reads them', text: 'permitrootlogin No\n', ok: true },
    { rule: 'PermitRootLogin yes → drifted', text: 'PermitRootLogin yes\n', ok: false },
    { rule: 'the first occurrence decides, as in sshd', text: 'PermitRootLogin yes\nPermitRootLogin no\n', ok: false },
    { rule: 'no line: OpenSSH\'s default prohibit-password → compliant (a healer may delete the injected line)', text: 'Port 22\n', ok: true },
  ])('$rule', ({ text, ok }) => {
    expect(passes(check('linux.sshd_option', { option: 'PermitRootLogin', value: 'yes', path: config('root.conf', text) }))).toBe(ok);
  });

  it.each([
    { rule: 'MaxAuthTries 4 with compliant_max 4 → compliant', text: 'MaxAuthTries 4\n', params: { compliant_max: 4 }, ok: true },
    { rule: 'MaxAuthTries 2 with compliant_max 4 → compliant', text: 'MaxAuthTries 2\n', params: { compliant_max: 4 }, ok: true },
    { rule: 'MaxAuthTries 5 with compliant_max 4 → drifted', text: 'MaxAuthTries 5\n', params: { compliant_max: 4 }, ok: false },
    { rule: 'MaxAuthTries not a number → drifted', text: 'MaxAuthTries many\n', params: { compliant_max: 4 }, ok: false },
    { rule: 'MaxAuthTries absent: OpenSSH default 6 > 4 → drifted', text: 'Port 22\n', params: {}, ok: false },
    { rule: 'MaxAuthTries 4 when the author lists only 3 → drifted (the declared set rules)', text: 'MaxAuthTries 4\n', params: { compliant: '3' }, ok: false },
    { rule: 'PasswordAuthentication absent: OpenSSH default yes → drifted', text: 'Port 22\n', option: 'PasswordAuthentication', params: {}, ok: false },
  ])('$rule', ({ text, params, ok, option }) => {
    expect(passes(check('linux.sshd_option', { option: option ?? 'MaxAuthTries', value: option ? 'yes' : '10', path: config('tries.conf', text), ...params }))).toBe(ok);
  });

  it('an option without known defaults must declare its compliant set; both forms at once are refused', () => {
    const params = getFault('linux.sshd_option')!.params;
    expect(params.safeParse({ option: 'Banner', value: 'x' }).error?.issues).toEqual([expect.objectContaining({ path: ['compliant'], message: expect.stringMatching(/must list the compliant values of Banner/) })]);
    expect(params.safeParse({ option: 'MaxAuthTries', value: '10', compliant: '3', compliant_max: 4 }).error?.issues).toEqual([expect.objectContaining({ path: ['compliant_max'] })]);
  });
});

describe('linux.file_mode: no permission bit beyond the compliant mode', () => {
  it.each([
    ['640', true],
    ['600', true],
    ['400', true],
    ['000', true],
    ['644', false],
    ['660', false],
    ['4640', false],
  ])('/etc/shadow-like file at %s with compliant 640 → compliant: %s', (mode, ok) => {
    const path = join(dir, 'shadow');
    writeFileSync(path, 'x');
    chmodSync(path, parseInt(mode, 8));
    expect(passes(check('linux.file_mode', { path, mode: '644', compliant: '640' }))).toBe(ok);
  });
});

describe('linux.audit_rules_removed: the rule back in any rules file, any spacing', () => {
  it.each([
    { rule: 'rule restored in the drifted file → compliant', files: { 'chaoslab.rules': '-w /etc/shadow -p wa -k identity\n' }, ok: true },
    { rule: 'rule written by a hardening policy to its own file, other spacing → compliant', files: { 'chaoslab.rules': '', '50-cis.rules': '-w  /etc/shadow\t-p wa -k identity \n' }, ok: true },
    { rule: 'rule nowhere → drifted', files: { 'chaoslab.rules': '', '50-cis.rules': '-w /etc/passwd -p wa -k identity\n' }, ok: false },
  ])('$rule', ({ files, ok }) => {
    const rules = join(dir, `rules-${Object.keys(files).length}-${ok}`);
    mkdirSync(rules, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(rules, name), text);
    expect(passes(check('linux.audit_rules_removed', { path: join(rules, 'chaoslab.rules') }))).toBe(ok);
  });
});

describe('linux.resolver_hijack: an approved first resolver and the injected one gone', () => {
  it.each([
    { rule: 'baseline resolver → compliant', text: 'nameserver 127.0.0.1\n', params: {}, ok: true },
    { rule: 'injected resolver first → drifted', text: 'nameserver 192.0.2.53\n', params: {}, ok: false },
    { rule: 'injected resolver kept as a fallback → drifted', text: 'nameserver 127.0.0.1\nnameserver 192.0.2.53\n', params: {}, ok: false },
    { rule: 'another approved resolver → compliant', text: 'nameserver 10.0.0.2\n', params: { compliant: ['127.0.0.1', '10.0.0.2'] }, ok: true },
    { rule: 'an unapproved resolver → drifted', text: 'nameserver 10.0.0.9\n', params: {}, ok: false },
  ])('$rule', ({ text, params, ok }) => {
    const path = join(dir, 'resolv.conf');
    writeFileSync(path, text);
    expect(passes(check('linux.resolver_hijack', { path, ...params }))).toBe(ok);
  });
});

import { describe, expect, it } from 'vitest';
import { loadDocument } from '../../harness/config/load-file.js';
import { formatIssue } from '../../harness/core/errors.js';

/** The winrm transport's fields as `chaoslab validate --lab` reads them: every problem with file:line:col. */
function problems(transport: string): string[] {
  const text = `kind: lab\nname: x\nhosts:\n  - name: dc01\n    platform: windows\n    address: dc01.lab.test\n    transport:\n${transport
    .trim()
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n')}\n`;
  const loaded = loadDocument('lab.yaml', text, 'lab', 'lab');
  return loaded.issues ? loaded.issues.map(formatIssue) : [];
}

const NTLM = 'kind: winrm\nuser: LAB\\chaoslab\npassword: env:P';
const KERBEROS = 'kind: winrm\nauth: kerberos\nuser: chaoslab@LAB.TEST';

describe('winrm operation_timeout', () => {
  it('accepts up to 60s, WinRM MaxTimeoutms', () => {
    expect(problems(`${NTLM}\noperation_timeout: 60s`)).toEqual([]);
    expect(problems(`${NTLM}\noperation_timeout: 20s`)).toEqual([]);
  });

  it('refuses more, at its line', () => {
    expect(problems(`${NTLM}\noperation_timeout: 61s`)).toEqual([
      'lab.yaml:11:26 hosts[0].transport.operation_timeout: must be at most 60s: WinRM refuses a longer OperationTimeout (MaxTimeoutms, 60000 by default); a longer command is fine, its output is asked for again',
    ]);
    expect(problems(`${NTLM}\noperation_timeout: 2m`)).toHaveLength(1);
  });
});

describe('winrm auth: kerberos', () => {
  it('takes a password, a keytab or a credential cache, over https', () => {
    expect(problems(`${KERBEROS}\npassword: env:P`)).toEqual([]);
    expect(problems(`${KERBEROS}\nkerberos: { keytab: chaoslab.keytab, spn: HTTP/dc01.lab.test }`)).toEqual([]);
    expect(problems(`${KERBEROS}\nkerberos: { ccache: FILE:/tmp/krb5cc_1000 }`)).toEqual([]);
  });

  it('needs exactly one ticket source', () => {
    expect(problems(KERBEROS)).toEqual([expect.stringMatching(/transport\.auth: auth: kerberos needs exactly one of password, kerberos\.keytab, kerberos\.ccache \(got none\)/)]);
    expect(problems(`${KERBEROS}\npassword: env:P\nkerberos: { keytab: k.keytab }`)).toEqual([expect.stringMatching(/\(got password, kerberos\.keytab\)/)]);
  });

  it('needs a principal name@REALM, not DOMAIN\\name', () => {
    expect(problems('kind: winrm\nauth: kerberos\nuser: LAB\\chaoslab\npassword: env:P')).toEqual([expect.stringMatching(/transport\.user: with auth: kerberos must be a principal name@REALM/)]);
  });

  it('refuses plain http (no Kerberos message encryption)', () => {
    expect(problems(`${KERBEROS}\npassword: env:P\nscheme: http`)).toEqual([expect.stringMatching(/transport\.scheme: auth: kerberos needs scheme: https/)]);
  });

  it('an SPN is service/host', () => {
    expect(problems(`${KERBEROS}\npassword: env:P\nkerberos: { spn: HTTP@dc01 }`)).toEqual([expect.stringMatching(/kerberos\.spn: must be service\/host/)]);
  });

  it('other auths still need a password and take no kerberos block', () => {
    expect(problems('kind: winrm\nuser: LAB\\chaoslab')).toEqual([expect.stringMatching(/transport\.password: is required for auth: ntlm/)]);
    expect(problems(`${NTLM}\nkerberos: { spn: HTTP/dc01 }`)).toEqual([expect.stringMatching(/transport\.kerberos: applies to auth: kerberos only/)]);
  });
});

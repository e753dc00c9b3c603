import { describe, expect, it } from 'vitest';
import { hostBasedService, ntlmDeniedError } from '../../harness/transport/winrm/kerberos.js';
import { kinitError } from '../../harness/transport/winrm/kerberos-tickets.js';

describe('Kerberos for WinRM: the pieces without a KDC', () => {
  it('turns an SPN into the GSS host-based service name', () => {
    expect(hostBasedService('HTTP/dc01.lab.test')).toBe('HTTP@dc01.lab.test');
    expect(hostBasedService('HTTP@dc01.lab.test')).toBe('HTTP@dc01.lab.test');
    expect(() => hostBasedService('HTTP/dc01@LAB.TEST')).toThrow(/service\/host/);
  });

  it.each([
    ["kinit: Password incorrect while getting initial credentials", 'TRANSPORT_AUTH'],
    ["kinit: Client 'bob@LAB.TEST' not found in Kerberos database while getting initial credentials", 'TRANSPORT_AUTH'],
    ['kinit: Preauthentication failed while getting initial credentials', 'TRANSPORT_AUTH'],
    ["kinit: Cannot contact any KDC for realm 'LAB.TEST' while getting initial credentials", 'TRANSPORT_UNREACHABLE'],
    ['kinit: Improper format of Kerberos configuration file while initializing Kerberos 5 library', 'TRANSPORT_PROTOCOL'],
  ])('kinit saying %j is %s', (stderr, code) => {
    const error = kinitError('dc01', 'alice@LAB.TEST', stderr);
    expect(error.code).toBe(code);
    expect(error.message).toContain(stderr.replace(/^kinit: /, ''));
  });

  it('an NTLM negotiation answered by a bare 401 offering Negotiate/Kerberos means NTLM is denied', () => {
    expect(ntlmDeniedError('dc01', 401, 'Negotiate,Kerberos')?.message).toMatch(/offers only Negotiate\/Kerberos .*NTLM is denied by policy there; set auth: kerberos/);
    expect(ntlmDeniedError('dc01', 401, 'Negotiate')?.code).toBe('TRANSPORT_PROTOCOL');
    // a listener without Negotiate, or a non-401 answer, is some other problem
    expect(ntlmDeniedError('dc01', 401, 'Basic realm="WSMAN"')).toBeUndefined();
    expect(ntlmDeniedError('dc01', 500, 'Negotiate')).toBeUndefined();
  });
});

import { z } from 'zod';

/** How a WinRM host logs in with Kerberos (`auth: kerberos`); see docs/windows.md, "Kerberos". */
export const kerberosLoginSchema = z
  .strictObject({
    spn: z
      .string()
      .regex(/^[^/@\s]+\/[^/@\s]+$/, 'must be service/host, e.g. HTTP/dc01.corp.example.com')
      .optional()
      .meta({ description: "The listener's service principal; default HTTP/<address> (Windows registers HTTP/<fully qualified name>)" }),
    keytab: z.string().min(1).optional().meta({ description: "A client keytab holding the account's key (kinit -k -t), instead of a password" }),
    ccache: z.string().min(1).optional().meta({ description: 'An existing FILE credential cache (from your own kinit), instead of a password' }),
  })
  .meta({ description: 'Kerberos login (auth: kerberos): where the ticket comes from and the SPN' });

interface WinRmLoginFields {
  readonly auth: string;
  readonly scheme: string;
  readonly user: string;
  readonly password?: string | undefined;
  readonly kerberos?: z.infer<typeof kerberosLoginSchema> | undefined;
}

/** The winrm transport's login fields agree: one ticket source for Kerberos, a password otherwise. */
export function checkKerberosLogin(t: WinRmLoginFields, ctx: z.RefinementCtx): void {
  if (t.auth !== 'kerberos') {
    if (t.password === undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: `is required for auth: ${t.auth}` });
    if (t.kerberos !== undefined) ctx.addIssue({ code: 'custom', path: ['kerberos'], message: 'applies to auth: kerberos only' });
    return;
  }
  const sources = [t.password !== undefined && 'password', t.kerberos?.keytab !== undefined && 'kerberos.keytab', t.kerberos?.ccache !== undefined && 'kerberos.ccache'].filter(Boolean);
  if (sources.length !== 1) {
    ctx.addIssue({ code: 'custom', path: ['auth'], message: `auth: kerberos needs exactly one of password, kerberos.keytab, kerberos.ccache (got ${sources.length ? sources.join(', ') : 'none'})` });
  }
  if (!/^[^@\\\s]+@[^@\\\s]+$/.test(t.user)) {
    ctx.addIssue({ code: 'custom', path: ['user'], message: 'with auth: kerberos must be a principal name@REALM (e.g. chaoslab@CORP.EXAMPLE.COM), not DOMAIN\\name' });
  }
  if (t.scheme !== 'https') {
    ctx.addIssue({
      code: 'custom',
      path: ['scheme'],
      message: 'auth: kerberos needs scheme: https: over plain HTTP Windows requires Kerberos-encrypted messages, which chaoslab cannot produce (docs/windows.md, "Kerberos"); a listener with AllowUnencrypted=false refuses plain ones',
    });
  }
}

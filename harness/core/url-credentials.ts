/**
 * Credentials written into a URL (`scheme://user:password@host/`). Such a URL
 * is logged, printed and recorded wherever the URL is (argv, events, errors),
 * and fetch refuses it; so the password is cut out of any text that is
 * written, and a URL chaoslab requests is split into the URL without them and
 * an HTTP Basic Authorization header.
 */
const MARKER = '[redacted]';

/**
 * `scheme://user:password@`: the password runs to the last `@` before the
 * host (a raw `@` in a password is common), but never past a space, a quote or
 * the start of the path.
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:"'<>]*):([^\s/?#"'<>]*)@/gi;

/** The text with every URL's password replaced by [redacted] (the user name stays: it says whose access it was). */
export function withoutUrlPasswords(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(USERINFO, (whole: string, scheme: string, user: string, password: string) => (password === MARKER ? whole : `${scheme}${user}:${MARKER}@`));
}

/**
 * The URL without user and password, the Authorization header they make, and
 * the secrets to redact: the password as written and decoded (the header's
 * base64 holds the password's own encoded pieces, which redaction knows), or
 * the user name when it is all there is (a token passed as a user name).
 * A text that is not a URL is returned as it is.
 */
export function splitUrlCredentials(text: string): { url: string; authorization?: string; secrets: string[] } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { url: text, secrets: [] };
  }
  if (!url.username && !url.password) return { url: text, secrets: [] };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const secrets = password ? [url.password, password] : [user];
  url.username = '';
  url.password = '';
  return { url: url.href, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, secrets };
}

/**
 * Quoting by construction. Fault builders write commands with the `sh` and `ps`
 * tagged templates: every `${value}` is quoted for the target shell; a fragment
 * that must stay shell syntax is wrapped in `raw()` explicitly and must never
 * come from a parameter.
 */

/** The two shells chaoslab writes commands for: POSIX sh, and PowerShell (Windows, over WinRM or OpenSSH). */
export type ShellKind = 'posix' | 'powershell';

class RawFragment {
  constructor(readonly text: string) {}
}

export function raw(text: string): RawFragment {
  return new RawFragment(text);
}

/** POSIX sh: one single-quoted word; a `'` becomes `'\''`. */
export function quotePosix(value: string): string {
  if (value.includes('\0')) throw new TypeError('a shell argument cannot contain a NUL byte');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** PowerShell: a single-quoted literal; `'` (and its typographic twins) doubled. */
export function quotePowerShell(value: string): string {
  if (value.includes('\0')) throw new TypeError('a PowerShell argument cannot contain a NUL byte');
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (quote) => quote + quote)}'`;
}

export function quoteFor(shell: ShellKind, value: string): string {
  return shell === 'posix' ? quotePosix(value) : quotePowerShell(value);
}

/** A list, each element quoted: separate words in sh, an array (comma-separated) in PowerShell. */
export function quoteListFor(shell: ShellKind, values: readonly string[]): string {
  return values.map((value) => quoteFor(shell, value)).join(shell === 'posix' ? ' ' : ',');
}

type Interpolated = string | number | boolean | RawFragment | readonly (string | number)[];

function render(shell: ShellKind, strings: TemplateStringsArray, values: Interpolated[]): string {
  // a tagged template always has one more string than values
  let out = strings[0]!;
  values.forEach((value, index) => {
    let piece: string;
    if (value instanceof RawFragment) piece = value.text;
    else if (Array.isArray(value)) piece = quoteListFor(shell, value.map(String));
    else piece = quoteFor(shell, String(value));
    out += piece + strings[index + 1]!;
  });
  return out;
}

/** POSIX command template: `sh\`grep -q ${pattern} ${file}\`` quotes both values. */
export function sh(strings: TemplateStringsArray, ...values: Interpolated[]): string {
  return render('posix', strings, values);
}

/** PowerShell command template: `ps\`Set-Content -Path ${path}\`` quotes the value. */
export function ps(strings: TemplateStringsArray, ...values: Interpolated[]): string {
  return render('powershell', strings, values);
}

/**
 * `powershell -EncodedCommand` takes base64 of UTF-16LE: no quoting layer of
 * cmd.exe or sshd can mangle it.
 */
export function encodePowerShell(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

export function powershellInvocation(script: string): string {
  return `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${encodePowerShell(script)}`;
}

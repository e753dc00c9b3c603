/**
 * The lint of issue #22, item 8: a check (or applicability test) must not
 * swallow errors wholesale. `-ErrorAction SilentlyContinue` on a lookup turns
 * "access denied", "the service is not running", "the WMI class is broken"
 * into the same $null as "not found" — and then into a verdict (usually
 * "compliant" or "not applicable") instead of a probe error.
 *
 * The rule, per script: every error action that silences errors
 * (`-ErrorAction`/`-EA` or any prefix of ErrorAction, with SilentlyContinue,
 * Ignore, 0 or 4; or `$ErrorActionPreference` set to one of them) must
 * collect what it silenced with `-ErrorVariable <name>` (or `-EV`) on the
 * same line, and a later line must look at `$<name>` for what kind of error
 * it was (`FullyQualifiedErrorId`, `CategoryInfo` or `Exception`), so that
 * only "not found" is let through. Cleanup is exempt: `Remove-Item` of a
 * temporary file reads nothing the verdict depends on. Text-based, so it also
 * flags such words inside a string: rephrase the string.
 */
export interface LintFinding {
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

const SILENCING_PARAMETER = /-(?:ea|e(?:r(?:r(?:o(?:r(?:a(?:c(?:t(?:i(?:o(?:n)?)?)?)?)?)?)?)?)?)?)(?::|\s+)['"]?(?:SilentlyContinue|Ignore|0|4)\b/i;
const SILENCING_PREFERENCE = /\$ErrorActionPreference\s*=\s*['"]?(?:SilentlyContinue|Ignore)\b/i;
const ERROR_VARIABLE = /-(?:ev|errorvariable)(?::|\s+)['"]?\+?(\w+)/i;
const CLEANUP = /\bRemove-Item\b[^;|}]*-(?:ea|erroraction)\b/i;
const KIND_OF_ERROR = /FullyQualifiedErrorId|CategoryInfo|\.Exception\b/;

export function lintErrorHandling(script: string): LintFinding[] {
  const lines = script.split('\n');
  const findings: LintFinding[] = [];
  lines.forEach((text, index) => {
    const line = index + 1;
    if (SILENCING_PREFERENCE.test(text)) {
      findings.push({ line, text: text.trim(), why: 'sets $ErrorActionPreference to swallow every error of the check' });
      return;
    }
    if (!SILENCING_PARAMETER.test(text) || CLEANUP.test(text)) return;
    const variable = ERROR_VARIABLE.exec(text)?.[1];
    if (variable === undefined) {
      findings.push({ line, text: text.trim(), why: 'silences errors without -ErrorVariable: "not found" and "could not look" become the same $null' });
      return;
    }
    const use = new RegExp(`\\$${variable}\\b`, 'i');
    const inspected = lines.slice(index + 1).some((later) => use.test(later) && KIND_OF_ERROR.test(later));
    if (!inspected) findings.push({ line, text: text.trim(), why: `collects errors in $${variable} but no later line tells "not found" apart from other errors (FullyQualifiedErrorId, CategoryInfo or Exception)` });
  });
  return findings;
}

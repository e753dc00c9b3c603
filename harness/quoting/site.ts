/**
 * Where a template value lies in the shell's syntax. The value itself never
 * enters the script (template.ts sets it in a variable); the place decides only
 * how the reference to that variable is written:
 *
 * - `word`: a bare word (`"$CHAOSLAB_V_x"` in sh, `"${CHAOSLAB_V_x}"` in PowerShell)
 * - `string`: inside "…", an unquoted here-document or @"…"@ (`${CHAOSLAB_V_x}`)
 * - `single`, `ansi` (sh): the string is closed around the reference
 * - `comment`: any reference, it is never read
 * - `arithmetic`: `$(( … ))`; the value must be a whole number (bash evaluates
 *   `a[$(cmd)]` in an arithmetic value), checked when rendering
 * - `refused`: no reference can be written there (a quoted here-document,
 *   `[[ … ]]`, `eval`, after `--%` …), with why
 */
export type Site =
  | { readonly context: 'word' | 'string' | 'single' | 'ansi' | 'comment' | 'arithmetic' }
  | { readonly context: 'refused'; readonly why: string };

export type SiteContext = Site['context'];

/** A scanner's next offset, never past the start of a `{{…}}`: an escape or a multi-character token must not swallow a value. */
export function notPast(template: string, from: number, next: number): number {
  const value = template.indexOf('{{', from + 1);
  return value !== -1 && value < next ? value : next;
}

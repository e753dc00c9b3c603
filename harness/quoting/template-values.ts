import { ChaoslabError } from '../core/errors.js';
import type { SiteContext } from './site.js';
import { quoteFor, type ShellKind } from './shell.js';

/**
 * Template values travel as data. Rendering a template collects every value
 * into variables, the rendered text only refers to them, and the script sent to
 * the host starts with a prologue that sets each variable from one quoted
 * literal: `export CHAOSLAB_V_file='…'` in sh, `${CHAOSLAB_V_file} = '…'` in
 * PowerShell (an assignment of a string literal, allowed in ConstrainedLanguage
 * mode). A single-quoted literal keeps every character but NUL as it is, so
 * the value reaches the script byte for byte; the reference expands it where it
 * stands, and an expansion is never parsed again as a command, whatever the
 * value holds (quotes, `$(…)`, backticks, newlines, a here-document's `EOF`).
 */
const VARIABLE_PREFIX = 'CHAOSLAB_V_';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WHOLE_NUMBER = /^[+-]?[0-9]+$/;

/** The variables one rendering sets. */
export class TemplateValues {
  private readonly byName = new Map<string, { name: string; value: string }>();
  private counter = 0;

  constructor(private readonly shell: ShellKind) {}

  /**
   * The variable holding `value`: named after the template's own name when it
   * has one (`{{snapshot}}` → CHAOSLAB_V_snapshot), else numbered. PowerShell
   * names ignore case, so names are compared without it.
   */
  variableFor(value: string, name: string | undefined): string {
    if (value.includes('\0')) throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', 'a template value cannot contain a NUL byte (no shell variable can hold one)');
    if (name !== undefined && IDENTIFIER.test(name)) {
      const variable = VARIABLE_PREFIX + name;
      const known = this.byName.get(variable.toLowerCase());
      if (!known) {
        this.byName.set(variable.toLowerCase(), { name: variable, value });
        return variable;
      }
      if (known.name === variable && known.value === value) return variable;
    }
    // numbered names start with a digit after the prefix: no template name can take one
    this.counter += 1;
    const variable = `${VARIABLE_PREFIX}${this.counter}`;
    this.byName.set(variable.toLowerCase(), { name: variable, value });
    return variable;
  }

  /** The lines that set every variable, before the rendered text. Empty when the template used no value. */
  prologue(): string {
    return [...this.byName.values()]
      .map(({ name, value }) => (this.shell === 'posix' ? `export ${name}=${quoteFor('posix', value)}\n` : `\${${name}} = ${quoteFor('powershell', value)}\n`))
      .join('');
  }
}

/** How a reference to `variable` is written at a site (quote-context.ts). */
export function reference(shell: ShellKind, context: SiteContext, variable: string): string {
  if (shell === 'powershell') return context === 'word' ? `"\${${variable}}"` : `\${${variable}}`;
  switch (context) {
    case 'word':
      return `"\${${variable}}"`;
    case 'single':
      // close the '…' string, the variable in "…", open it again
      return `'"\${${variable}}"'`;
    case 'ansi':
      return `'"\${${variable}}"$'`;
    default:
      return `\${${variable}}`;
  }
}

/** A list's references: separate words in sh, an array in PowerShell; one space apart inside a string. */
export function listReference(shell: ShellKind, context: SiteContext, variables: readonly string[]): string {
  const separator = shell === 'powershell' && context === 'word' ? ',' : ' ';
  return variables.map((variable) => reference(shell, context, variable)).join(separator);
}

/** A value in `$(( … ))` must be a whole number: bash evaluates an arithmetic value as an expression, and `a[$(cmd)]` runs cmd. */
export function checkArithmetic(value: string, expression: string): void {
  if (!WHOLE_NUMBER.test(value)) {
    throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', `{{${expression}}} stands in $(( … )), so its value must be a whole number (got ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`);
  }
}

/** A value as the text its variable holds: strings, numbers and booleans; lists and objects are errors that say what to write. */
export function scalar(value: unknown, expression: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', `{{${expression}}} is a list: write {{join ${expression}}}`);
  if (value === undefined) throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', `{{${expression}}}: unknown variable (no value given)`);
  throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', `{{${expression}}} must be a string, number or boolean (got ${describe(value)})`);
}

/** What a value that is neither a scalar nor a list is (lists are told apart before). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : typeof value;
}

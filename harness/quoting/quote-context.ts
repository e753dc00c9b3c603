import type { ShellKind } from './shell.js';

/**
 * Where in the shell's syntax a template position lies. A value is quoted as
 * one literal word (quoting/shell.ts), which is only safe where a word starts
 * or continues a bare word: inside "…" the shell still expands `$(…)` and
 * backticks in the value, inside '…' the value's own quote ends the string,
 * and in a comment a newline in the value starts a new command. Templates are
 * therefore refused when a value sits in any quoted context or a comment.
 */
export type QuoteContext = 'bare' | 'escaped' | 'single' | 'double' | 'ansi' | 'backtick' | 'comment' | 'here-string' | 'block-comment';

const SINGLE_QUOTES = "'\u2018\u2019\u201A\u201B";
const DOUBLE_QUOTES = '"\u201C\u201D\u201E';

/** Characters after which `#` starts a comment (a word boundary). */
function atWordStart(text: string, i: number): boolean {
  return i === 0 || /[\s;&|()]/.test(text[i - 1]!);
}

function posixStep(state: QuoteContext, text: string, i: number): { state: QuoteContext; skip?: number } {
  const c = text[i]!;
  switch (state) {
    case 'bare':
      if (c === '\\') return { state, skip: 1 };
      if (c === '$' && text[i + 1] === "'") return { state: 'ansi', skip: 1 };
      if (c === "'") return { state: 'single' };
      if (c === '"') return { state: 'double' };
      if (c === '`') return { state: 'backtick' };
      if (c === '#' && atWordStart(text, i)) return { state: 'comment' };
      return { state };
    case 'single':
      return { state: c === "'" ? 'bare' : state };
    case 'ansi':
    case 'double':
    case 'backtick': {
      if (c === '\\') return { state, skip: 1 };
      const end = state === 'ansi' ? "'" : state === 'double' ? '"' : '`';
      return { state: c === end ? 'bare' : state };
    }
    default:
      return { state: c === '\n' ? 'bare' : state };
  }
}

function powershellStep(state: QuoteContext, text: string, i: number): { state: QuoteContext; skip?: number } {
  const c = text[i]!;
  switch (state) {
    case 'bare':
      if (c === '`') return { state, skip: 1 };
      if (c === '@' && (text[i + 1] === '"' || text[i + 1] === "'")) return { state: 'here-string', skip: 1 };
      if (SINGLE_QUOTES.includes(c)) return { state: 'single' };
      if (DOUBLE_QUOTES.includes(c)) return { state: 'double' };
      if (c === '<' && text[i + 1] === '#') return { state: 'block-comment', skip: 1 };
      if (c === '#') return { state: 'comment' };
      return { state };
    case 'single':
      return { state: SINGLE_QUOTES.includes(c) ? 'bare' : state };
    case 'double':
      if (c === '`') return { state, skip: 1 };
      return { state: DOUBLE_QUOTES.includes(c) ? 'bare' : state };
    case 'here-string':
      // it ends with "@ (or '@) at the start of a line
      return c === '\n' && (text[i + 1] === '"' || text[i + 1] === "'") && text[i + 2] === '@' ? { state: 'bare', skip: 2 } : { state };
    case 'block-comment':
      return c === '#' && text[i + 1] === '>' ? { state: 'bare', skip: 1 } : { state };
    default:
      return { state: c === '\n' ? 'bare' : state };
  }
}

/**
 * The context at each of `positions` (offsets into `template`), scanning the
 * shell text with every `{{…}}` treated as an opaque word.
 */
export function contextsAt(template: string, shell: ShellKind, positions: readonly number[]): QuoteContext[] {
  const step = shell === 'posix' ? posixStep : powershellStep;
  const wanted = new Set(positions);
  const found = new Map<number, QuoteContext>();
  let state: QuoteContext = 'bare';
  // the template's own escape of `{{` is Handlebars' (`\\{{` prints a backslash, then the value): any escape character right before a value is refused
  const escapeChar = shell === 'posix' ? '\\' : '`';
  for (let i = 0; i < template.length; i += 1) {
    if (wanted.has(i) && !found.has(i)) found.set(i, template[i - 1] === escapeChar ? 'escaped' : state);
    if (template.startsWith('{{', i)) {
      const end = template.indexOf('}}', i + 2);
      if (end === -1) break;
      i = end + 1;
      continue;
    }
    const next = step(state, template, i);
    state = next.state;
    // an escape character right before a value would cancel the quote that opens it (`\'…'`): the value's text would be shell syntax
    if (next.skip && template.startsWith('{{', i + 1)) {
      found.set(i + 1, 'escaped');
      continue;
    }
    i += next.skip ?? 0;
  }
  return positions.map((position) => found.get(position) ?? state);
}

const WHERE: Record<Exclude<QuoteContext, 'bare'>, string> = {
  escaped: 'right after an escape character (\\ in sh, ` in PowerShell), which would cancel the quote that keeps the value one word',
  single: "inside a '…' string, where the value's own quoting would end the string",
  double: 'inside a "…" string, where the shell would still expand $(…) or variables in the value',
  ansi: "inside a $'…' string, where the value's own quoting would end the string",
  backtick: 'inside `…`, where the value would be parsed again as a command',
  comment: 'in a comment, where a line break in the value would start a new command',
  'here-string': 'inside a here-string, where the value is not quoted',
  'block-comment': 'inside a <# … #> comment, where the value could end the comment',
};

/** Why a value cannot sit here, with how to write it instead; undefined for a bare position. */
export function contextProblem(context: QuoteContext, expression: string, shell: ShellKind): string | undefined {
  if (context === 'bare') return undefined;
  const fix = shell === 'posix' ? `put it outside the quotes: "v="${expression} is one word` : `put it outside the quotes: ('v=' + ${expression})`;
  return `${expression} sits ${WHERE[context]}: values are quoted as whole words, so ${fix}`;
}

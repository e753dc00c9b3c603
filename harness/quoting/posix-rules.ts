import type { Site } from './site.js';

/**
 * The rules of posix-context.ts: at a value's place (its frame and the text of
 * its line before it), how a reference is written, or why none may stand there.
 * Refused are the places where nothing is expanded (a quoted here-document),
 * where the text is parsed again (backticks, `eval`, `sh -c "…"`), where bash
 * evaluates the value as arithmetic or as a variable name (whose subscript
 * `a[$(cmd)]` it runs), and the command name.
 */
export type Frame =
  | { kind: 'command'; closeOnParen: boolean; depth: number }
  | { kind: 'double' | 'single' | 'ansi' | 'backtick' | 'comment' | 'brace' | 'dbracket' | 'old-arith' }
  | { kind: 'arith' | 'arith-command'; depth: number }
  | { kind: 'heredoc'; end: number; resume: number }
  | { kind: 'heredoc-quoted'; end: number; resume: number };

/** The line before `i` (back to the last newline): where `eval` or `sh -c` would take a value as a command. */
function lineBefore(text: string, i: number): string {
  return text.slice(text.lastIndexOf('\n', i - 1) + 1, i);
}

/**
 * Text before a command name: the start of a command (after a separator), then
 * any reserved words or commands that run the next word as a command; or find's
 * -exec.
 */
const COMMAND_NAME = /(^|[;&|({])[ \t]*((then|do|else|elif|if|while|until|exec|command|sudo|env|nohup|nice|time|xargs|!)[ \t]+)*$|\s-(exec|execdir|ok)[ \t]+$/;
const EVAL = /(^|[\s;&|(`])eval(\s|$)/;
const SHELL_DASH_C = /(^|[\s;&|(`/])((ba|da|k|z)?sh|su)(\s[^;&|\n]*)?\s-[a-z]*c\b/;

/**
 * Where bash evaluates a value as arithmetic or takes it as a variable name,
 * whose subscript it evaluates: `a[$(cmd)]` there runs cmd, quoted or not.
 */
const BASH_EVALUATES: readonly [RegExp, string][] = [
  [/(^|[\s;&|(`])(let|(declare|typeset|local|readonly|export)(\s+-\w+)*\s+-\w*i\w*)\s/, 'on a line with `let` or `declare -i`, which bash evaluates as arithmetic'],
  [/(^|[\s;&|(`])[A-Za-z_][A-Za-z0-9_]*\[[^\]\s]*$/, 'in an array subscript, which bash evaluates as arithmetic'],
  [/(^|[\s;&|(`])(test|\[|printf)\s(.*\s)?-v[ \t]+["']?$/, 'after -v of test or printf, where it is a variable name whose subscript bash evaluates'],
  [/(^|[\s;&|(`])read(\s[^<>|;&]*)?\s["']?$/, 'as a variable name for read, whose subscript bash evaluates: read into a fixed name'],
];

export function siteFor(frame: Frame, text: string, i: number): Site {
  const before = text[i - 1];
  const line = lineBefore(text, i);
  if (EVAL.test(line)) return { context: 'refused', why: 'on a line with `eval`, which parses its arguments again as a command' };
  if (frame.kind !== 'comment' && frame.kind !== 'heredoc' && frame.kind !== 'heredoc-quoted') {
    const evaluates = BASH_EVALUATES.find(([pattern]) => pattern.test(line));
    if (evaluates) return { context: 'refused', why: evaluates[1] };
  }
  switch (frame.kind) {
    case 'single':
      return SHELL_DASH_C.test(line) ? { context: 'refused', why: "inside the command string of `sh -c '…'`, which that shell parses as a command" } : { context: 'single' };
    case 'comment':
      return { context: 'comment' };
    case 'heredoc-quoted':
      return { context: 'refused', why: "inside a quoted here-document (<<'EOF'), where nothing is expanded: write <<EOF (unquoted) and the value is written as it is" };
    case 'backtick':
      return { context: 'refused', why: 'inside `…`, whose text is parsed again: write $(…) instead' };
    case 'brace':
      return { context: 'refused', why: 'inside ${…}, where bash evaluates offsets and subscripts as arithmetic: put the value outside the braces' };
    case 'dbracket':
      return { context: 'refused', why: 'inside [[ … ]], bash syntax that evaluates -eq/-lt operands as arithmetic (which can run a command): write [ … ] (test)' };
    case 'arith-command':
      return { context: 'refused', why: 'inside (( … )), bash arithmetic (a nested subshell in sh): write [ … -eq … ] or $(( … ))' };
    case 'old-arith':
      return { context: 'refused', why: 'inside $[ … ], bash arithmetic: write $(( … ))' };
    default:
  }
  if (before === '\\') return { context: 'refused', why: 'right after a backslash, which would escape the expansion that reads the value' };
  if (before === '$') return { context: 'refused', why: 'right after a `$`, which would make it bash\'s $\'…\' or $"…": write \\$ for a literal dollar sign' };
  if (frame.kind === 'double' && SHELL_DASH_C.test(line)) return { context: 'refused', why: 'inside the command string of `sh -c "…"`, which that shell parses as a command: pass it as an argument (sh -c \'… "$1"\' sh {{v}})' };
  if (frame.kind === 'command' && COMMAND_NAME.test(line)) return { context: 'refused', why: 'where the command name goes: a value would choose the program that runs; write the command and pass the value as an argument' };
  if (frame.kind === 'command') return { context: 'word' };
  if (frame.kind === 'arith') return { context: 'arithmetic' };
  if (frame.kind === 'ansi') return { context: 'ansi' };
  return { context: 'string' };
}

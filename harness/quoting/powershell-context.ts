import { notPast, type Site } from './site.js';

/**
 * Where each value of a PowerShell template lies, so its variable reference
 * (template.ts) is written the way that place expands it. As for sh, the value
 * is never in the script's text: this finds the places where PowerShell would
 * not expand a variable at all ('…', @'…'@, after `--%`) and the commands that
 * parse their argument again (Invoke-Expression, cmd.exe).
 */
type Frame =
  | { kind: 'command'; closeOnParen: boolean; depth: number }
  | { kind: 'double' | 'single' | 'comment' | 'block-comment' | 'here-string' | 'here-literal' | 'stop-parsing' };

const SINGLE_QUOTES = "'\u2018\u2019\u201A\u201B";
const DOUBLE_QUOTES = '"\u201C\u201D\u201E';

function atWordStart(text: string, i: number): boolean {
  return i === 0 || /[\s;&|(){}]/.test(text[i - 1]!);
}

/** Commands that parse their argument as code: a value handed to them would run. */
const REPARSING = /(^|[\s;&|({])(invoke-expression|iex|cmd|cmd\.exe|start-process|powershell|powershell\.exe|pwsh|pwsh\.exe)(?=[\s;)]|$)/i;

function siteFor(frame: Frame, text: string, i: number): Site {
  const line = text.slice(text.lastIndexOf('\n', i - 1) + 1, i);
  const reparsing = REPARSING.exec(line);
  if (reparsing && frame.kind !== 'comment' && frame.kind !== 'block-comment') {
    return { context: 'refused', why: `on a line with ${reparsing[2]}, which parses its arguments again as a command (cmd.exe would run a value's & or |)` };
  }
  switch (frame.kind) {
    case 'single':
      return { context: 'refused', why: "inside a '…' string, where nothing is expanded: write \"…\" or put the value outside the quotes" };
    case 'here-literal':
      return { context: 'refused', why: "inside a @'…'@ here-string, where nothing is expanded: write @\"…\"@" };
    case 'stop-parsing':
      return { context: 'refused', why: 'after --%, where PowerShell passes the text as it is and expands no variable' };
    case 'comment':
    case 'block-comment':
      return { context: 'comment' };
    default:
  }
  const before = text[i - 1];
  if (before === '`') return { context: 'refused', why: 'right after a backtick, which would escape the $ that reads the value' };
  if (before === '$') return { context: 'refused', why: 'right after a `$`, which would make it part of a variable name' };
  if (frame.kind === 'command' && /(^|[\s;|({])[&.][ \t]*$/.test(line)) {
    return { context: 'refused', why: 'after the call operator (& or .), where a value would choose the command that runs' };
  }
  return { context: frame.kind === 'command' ? 'word' : 'string' };
}

export function powershellSites(template: string, positions: ReadonlySet<number>): Map<number, Site> {
  const found = new Map<number, Site>();
  const stack: Frame[] = [{ kind: 'command', closeOnParen: false, depth: 0 }];
  const top = () => stack[stack.length - 1]!;
  let i = 0;
  while (i < template.length) {
    const frame = top();
    if (template.startsWith('{{', i)) {
      if (positions.has(i) && !found.has(i)) found.set(i, siteFor(frame, template, i));
      const end = template.indexOf('}}', i + 2);
      if (end === -1) break;
      i = end + 2;
      continue;
    }
    i = notPast(template, i, step(frame, stack, template, i));
  }
  return found;
}

function step(frame: Frame, stack: Frame[], text: string, i: number): number {
  const c = text[i]!;
  const next = text[i + 1];
  switch (frame.kind) {
    case 'single':
      if (SINGLE_QUOTES.includes(c)) stack.pop();
      return i + 1;
    case 'comment':
    case 'stop-parsing':
      if (c === '\n') stack.pop();
      return i + 1;
    case 'block-comment':
      if (c === '#' && next === '>') {
        stack.pop();
        return i + 2;
      }
      return i + 1;
    case 'here-literal':
    case 'here-string':
      // it ends with '@ or "@ at the start of a line
      if (c === '\n' && (SINGLE_QUOTES + DOUBLE_QUOTES).includes(text[i + 1] ?? '') && text[i + 2] === '@') {
        stack.pop();
        return i + 3;
      }
      if (frame.kind === 'here-string') return expansion(stack, text, i);
      return i + 1;
    case 'double':
      if (DOUBLE_QUOTES.includes(c)) {
        stack.pop();
        return i + 1;
      }
      return expansion(stack, text, i);
    default:
  }
  if (c === '`') return i + 2;
  if (c === '@' && next !== undefined && DOUBLE_QUOTES.includes(next)) {
    stack.push({ kind: 'here-string' });
    return i + 2;
  }
  if (c === '@' && next !== undefined && SINGLE_QUOTES.includes(next)) {
    stack.push({ kind: 'here-literal' });
    return i + 2;
  }
  if (SINGLE_QUOTES.includes(c)) stack.push({ kind: 'single' });
  else if (DOUBLE_QUOTES.includes(c)) stack.push({ kind: 'double' });
  else if (c === '<' && next === '#') {
    stack.push({ kind: 'block-comment' });
    return i + 2;
  } else if (c === '#' && atWordStart(text, i)) stack.push({ kind: 'comment' });
  else if (text.startsWith('--%', i) && atWordStart(text, i)) {
    stack.push({ kind: 'stop-parsing' });
    return i + 3;
  } else if (c === '$' && next === '(') {
    stack.push({ kind: 'command', closeOnParen: true, depth: 0 });
    return i + 2;
  } else if (frame.kind === 'command' && c === '(') frame.depth += 1;
  else if (frame.kind === 'command' && c === ')') {
    if (frame.depth > 0) frame.depth -= 1;
    else if (frame.closeOnParen) stack.pop();
  }
  return i + 1;
}

/** Inside "…" and @"…"@: a backtick escapes, `$(` opens a command. */
function expansion(stack: Frame[], text: string, i: number): number {
  if (text[i] === '`') return i + 2;
  if (text[i] === '$' && text[i + 1] === '(') {
    stack.push({ kind: 'command', closeOnParen: true, depth: 0 });
    return i + 2;
  }
  return i + 1;
}

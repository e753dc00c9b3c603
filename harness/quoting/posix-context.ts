import { siteFor, type Frame } from './posix-rules.js';
import { notPast, type Site } from './site.js';

/**
 * Where each value of a POSIX sh template lies, so its variable reference is
 * written the way that place expands it. A value never enters the script's
 * text (template.ts sets it in a variable first), so a wrong guess here can
 * only make a reference expand oddly, never run the value; the places where an
 * expansion is itself evaluated (arithmetic, `eval`) are what this must find.
 *
 * The scanner keeps a stack of frames: `$(…)` opens a fresh command context
 * inside a "…" string (`"$(echo "{{v}}")"`), here-document bodies are read line
 * by line after the line that opened them, `{{…}}` is an opaque word. The
 * rules for each place are in posix-rules.ts.
 */

/** A here-document whose operator was read; its body starts at the next line break of the command. */
interface PendingHeredoc {
  readonly delimiter: string;
  readonly quoted: boolean;
  readonly stripTabs: boolean;
}

const WORD_BREAK = /[\s;&|()<>]/;

function atWordStart(text: string, i: number): boolean {
  return i === 0 || WORD_BREAK.test(text[i - 1]!);
}

/** The delimiter word after `<<`/`<<-` at `start`: its text without quotes, whether any part was quoted, and where it ends. */
function readDelimiter(text: string, start: number): { delimiter: string; quoted: boolean; end: number; hasValue: boolean } {
  let i = start;
  while (text[i] === ' ' || text[i] === '\t') i += 1;
  let delimiter = '';
  let quoted = false;
  let hasValue = false;
  while (i < text.length && !WORD_BREAK.test(text[i]!)) {
    const c = text[i]!;
    if (text.startsWith('{{', i)) hasValue = true;
    if (c === "'" || c === '"') {
      quoted = true;
      const close = text.indexOf(c, i + 1);
      const stop = close === -1 ? text.length : close;
      delimiter += text.slice(i + 1, stop);
      i = stop + 1;
      continue;
    }
    if (c === '\\') {
      quoted = true;
      delimiter += text[i + 1] ?? '';
      i += 2;
      continue;
    }
    delimiter += c;
    i += 1;
  }
  return { delimiter, quoted, end: i, hasValue };
}

/** Where a here-document body that starts at `start` ends: the offset of its delimiter line, and the offset after it. */
function heredocBody(text: string, start: number, pending: PendingHeredoc): { end: number; resume: number } {
  let lineStart = start;
  while (lineStart < text.length) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    let line = text.slice(lineStart, lineEnd);
    if (pending.stripTabs) line = line.replace(/^\t+/, '');
    if (line === pending.delimiter) return { end: lineStart, resume: lineEnd };
    lineStart = lineEnd + 1;
  }
  return { end: text.length, resume: text.length };
}

export function posixSites(template: string, positions: ReadonlySet<number>): Map<number, Site> {
  const found = new Map<number, Site>();
  const stack: Frame[] = [{ kind: 'command', closeOnParen: false, depth: 0 }];
  let pending: PendingHeredoc[] = [];
  const top = () => stack[stack.length - 1]!;
  let i = 0;
  while (i < template.length) {
    const frame = top();
    if ((frame.kind === 'heredoc' || frame.kind === 'heredoc-quoted') && i >= frame.end) {
      stack.pop();
      i = frame.resume;
      continue;
    }
    if (template.startsWith('{{', i)) {
      if (positions.has(i) && !found.has(i)) found.set(i, siteFor(frame, template, i));
      const end = template.indexOf('}}', i + 2);
      if (end === -1) break;
      i = end + 2;
      continue;
    }
    const c = template[i]!;
    const next = template[i + 1];
    // a newline ends a comment, and starts the bodies of the here-documents its line opened
    if (c === '\n' && frame.kind === 'comment') {
      stack.pop();
      continue;
    }
    if (c === '\n' && frame.kind === 'command' && pending.length > 0) {
      const [first, ...rest] = pending;
      pending = rest;
      const body = heredocBody(template, i + 1, first!);
      // the later here-documents of the same line follow this one's delimiter line
      stack.push({ kind: first!.quoted ? 'heredoc-quoted' : 'heredoc', end: body.end, resume: body.resume });
      i += 1;
      continue;
    }
    switch (frame.kind) {
      case 'single':
        if (c === "'") stack.pop();
        i += 1;
        continue;
      case 'ansi':
        if (c === '\\') {
          i = notPast(template, i, i + 2);
          continue;
        }
        if (c === "'") stack.pop();
        i += 1;
        continue;
      case 'heredoc-quoted':
      case 'comment':
        i += 1;
        continue;
      case 'backtick':
        if (c === '\\') {
          i = notPast(template, i, i + 2);
          continue;
        }
        if (c === '`') stack.pop();
        i += 1;
        continue;
      default:
    }
    if (c === '\\') {
      i = notPast(template, i, i + 2);
      continue;
    }
    // expansions, in every frame that expands them
    if (c === '$' && next === '(' && template[i + 2] === '(') {
      stack.push({ kind: 'arith', depth: 0 });
      i = notPast(template, i, i + 3);
      continue;
    }
    if (c === '$' && next === '(') {
      stack.push({ kind: 'command', closeOnParen: true, depth: 0 });
      i = notPast(template, i, i + 2);
      continue;
    }
    if (c === '$' && next === '[') {
      stack.push({ kind: 'old-arith' });
      i = notPast(template, i, i + 2);
      continue;
    }
    if (c === '$' && next === '{' && !template.startsWith('{{', i + 1)) {
      stack.push({ kind: 'brace' });
      i = notPast(template, i, i + 2);
      continue;
    }
    if (c === '`') {
      stack.push({ kind: 'backtick' });
      i += 1;
      continue;
    }
    i = notPast(template, i, stepFrame(frame, stack, template, i, (heredoc) => pending.push(heredoc), found, positions));
  }
  return found;
}

/** One step in a frame that is not a literal string: quotes, parentheses, comments and here-document operators. Returns the next offset. */
function stepFrame(
  frame: Frame,
  stack: Frame[],
  text: string,
  i: number,
  addHeredoc: (heredoc: PendingHeredoc) => void,
  found: Map<number, Site>,
  positions: ReadonlySet<number>,
): number {
  const c = text[i]!;
  const next = text[i + 1];
  switch (frame.kind) {
    case 'double':
      if (c === '"') stack.pop();
      return i + 1;
    case 'heredoc':
      return i + 1;
    case 'brace':
      if (c === '}') stack.pop();
      else if (c === '"') stack.push({ kind: 'double' });
      else if (c === "'") stack.push({ kind: 'single' });
      return i + 1;
    case 'old-arith':
      if (c === ']') stack.pop();
      return i + 1;
    case 'dbracket':
      if (c === ']' && next === ']') {
        stack.pop();
        return i + 2;
      }
      if (c === '"') stack.push({ kind: 'double' });
      else if (c === "'") stack.push({ kind: 'single' });
      return i + 1;
    case 'arith':
    case 'arith-command':
      if (c === '(') frame.depth += 1;
      else if (c === ')' && frame.depth > 0) frame.depth -= 1;
      else if (c === ')' && next === ')') {
        stack.pop();
        return i + 2;
      }
      return i + 1;
    case 'command':
      break;
    default:
      return i + 1;
  }
  if (c === "'") stack.push({ kind: 'single' });
  else if (c === '"') stack.push({ kind: 'double' });
  else if (c === '$' && next === "'") {
    stack.push({ kind: 'ansi' });
    return i + 2;
  } else if (c === '#' && atWordStart(text, i)) stack.push({ kind: 'comment' });
  else if (c === '[' && next === '[' && atWordStart(text, i)) {
    stack.push({ kind: 'dbracket' });
    return i + 2;
  } else if (c === '(' && next === '(' && atWordStart(text, i)) {
    stack.push({ kind: 'arith-command', depth: 0 });
    return i + 2;
  } else if (c === '(') frame.depth += 1;
  else if (c === ')') {
    if (frame.depth > 0) frame.depth -= 1;
    else if (frame.closeOnParen) stack.pop();
  } else if (c === '<' && next === '<' && text[i + 2] !== '<') {
    const stripTabs = text[i + 2] === '-';
    const word = readDelimiter(text, i + (stripTabs ? 3 : 2));
    if (word.hasValue) {
      for (let at = i; at < word.end; at += 1) {
        if (positions.has(at)) found.set(at, { context: 'refused', why: 'in a here-document delimiter, which must be fixed text' });
      }
    }
    addHeredoc({ delimiter: word.delimiter, quoted: word.quoted, stripTabs });
    return word.end;
  } else if (c === '<' && next === '<') return i + 3;
  return i + 1;
}

/**
 * A reference reader of PowerShell single-quoted string literals, following
 * the PowerShell tokenizer (ScanStringLiteral): a literal opens with any
 * single-quote character (' ‘ ’ ‚ ‛), a quote character followed by another
 * one stands for the second, and the first lone quote character closes it.
 * No `$` expansion, no backtick escapes, newlines are literal. `pwsh` cannot be
 * installed on these machines, so tests check quoting against this reader.
 */
const SINGLE_QUOTES = new Set(["'", '\u2018', '\u2019', '\u201A', '\u201B']);

export function isSingleQuote(char: string | undefined): boolean {
  return char !== undefined && SINGLE_QUOTES.has(char);
}

export function readSingleQuoted(text: string, start: number): { value: string; end: number } {
  if (!isSingleQuote(text[start])) throw new Error(`no single-quoted literal at ${start}`);
  let value = '';
  for (let i = start + 1; i < text.length; ) {
    const char = text[i]!;
    if (isSingleQuote(char)) {
      if (!isSingleQuote(text[i + 1])) return { value, end: i + 1 };
      value += text[i + 1];
      i += 2;
      continue;
    }
    value += char;
    i += 1;
  }
  throw new Error(`unterminated single-quoted literal starting at ${start}`);
}

/** Splits a script into its single-quoted literals and the code around them. */
export function splitLiterals(script: string): { literals: string[]; code: string } {
  const literals: string[] = [];
  let code = '';
  for (let i = 0; i < script.length; ) {
    if (isSingleQuote(script[i])) {
      const literal = readSingleQuoted(script, i);
      literals.push(literal.value);
      code += "''";
      i = literal.end;
    } else {
      code += script[i];
      i += 1;
    }
  }
  return { literals, code };
}

import { Composer, Lexer, Parser, YAMLParseError, type CST, type Document, type LineCounter } from 'yaml';

/**
 * How deeply collections may nest. Real files nest a handful of levels (lab →
 * hosts → a host → transport → a field); every later step (building the data,
 * the schema check, finding a line) walks the tree recursively, and the YAML
 * library's parser keeps one entry per open level: 8 MB of `[[[…` cost it 4 GB.
 */
export const MAX_NESTING = 64;

/**
 * How many tokens (keys, values, indicators, spaces) a file may have. The YAML
 * library's time and memory grow with tokens more than with bytes: 1 MB of
 * `- ""` lines is 745 000 tokens and seconds of parsing, 1 MB of prose is a few.
 * Scenarios have about 150 tokens, a lab inventory a few hundred plus about 150 a
 * host, so the limit leaves room for a lab of a thousand hosts.
 */
export const MAX_TOKENS = 200_000;

export type Exceeded = { readonly limit: 'nesting' | 'tokens'; readonly offset: number };

/** Thrown inside the token stream to stop the parser at the first limit crossed. */
class LimitCrossed extends Error {
  constructor(readonly exceeded: Exceeded) {
    super(exceeded.limit);
  }
}

/**
 * The YAML library's parser, driven token by token so that nesting and size are
 * bounded while the text is read: the parser's stack holds the document and one
 * entry per open collection (plus the scalar being read), so its length is the
 * depth. The checks are two comparisons per token: the parse stays linear.
 */
function* boundedTokens(text: string, lineCounter: LineCounter): Generator<CST.Token> {
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  let tokens = 0;
  for (const lexeme of new Lexer().lex(text)) {
    yield* parser.next(lexeme);
    tokens += 1;
    if (parser.stack.length > MAX_NESTING + 2) throw new LimitCrossed({ limit: 'nesting', offset: parser.offset });
    if (tokens > MAX_TOKENS) throw new LimitCrossed({ limit: 'tokens', offset: parser.offset });
  }
  yield* parser.end();
}

export type BoundedParse = { readonly doc: Document.Parsed } | { readonly exceeded: Exceeded };

/** Parses the first document of `text` as parseDocument does, within the limits above. */
export function parseBounded(text: string, lineCounter: LineCounter): BoundedParse {
  const composer = new Composer({ uniqueKeys: false, prettyErrors: false, merge: true });
  let doc: Document.Parsed | undefined;
  try {
    for (const next of composer.compose(boundedTokens(text, lineCounter), true, text.length)) {
      if (!doc) doc = next;
      else {
        doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'the file holds more than one document (---); a chaoslab file is one document'));
        break;
      }
    }
  } catch (error) {
    if (error instanceof LimitCrossed) return { exceeded: error.exceeded };
    throw error;
  }
  // compose(…, forceDoc = true) always yields a document, an empty one for empty text
  return { doc: doc! };
}

import Handlebars from 'handlebars';
import { ChaoslabError } from '../core/errors.js';
import { contextProblem, contextsAt } from './quote-context.js';
import { quoteFor, quoteListFor, type ShellKind } from './shell.js';

/**
 * Scenario `steps` are handlebars templates rendered into shell commands.
 * Unquoted interpolation is impossible by construction: the template is parsed,
 * anything that could insert a value verbatim (triple-stash, `{{& }}`, partials,
 * raw blocks, decorators, unknown helpers) is rejected, and every remaining
 * `{{expr}}` is rewritten into a call of the quoting helper of the target shell
 * before compilation. Missing variables are errors (strict mode), never ''.
 *
 * Allowed: `{{name}}`, `{{a.b}}`, literals, `{{lookup map key}}`, `{{join list}}`
 * (each element quoted, separated by a space in sh and a comma in PowerShell,
 * i.e. an array), and the blocks `if`, `unless`, `each`, `with`.
 */
export interface TemplateProblem {
  readonly message: string;
  /** 1-based, within the template text */
  readonly line: number;
  readonly column: number;
}

export type CommandRenderer = (vars: Record<string, unknown>) => string;

const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);
/** Helpers whose output is already quoted. */
const QUOTING_HELPERS = new Set(['join']);
/** Helpers that compute a value, which is then quoted like any other. */
const VALUE_HELPERS = new Set(['lookup']);
const QUOTE_HELPER = '__chaoslab_quote';

type Node = hbs.AST.Node;
type Expression = hbs.AST.Expression;

export function validateTemplate(template: string, options: { shell: ShellKind; variables?: readonly string[] }): TemplateProblem[] {
  const parsed = parse(template);
  if ('problem' in parsed) return [parsed.problem];
  return new TemplateWalker(template, options.variables).walk(parsed.program).checkContexts(options.shell).problems;
}

export function compileCommand(template: string, shell: ShellKind): CommandRenderer {
  const parsed = parse(template);
  if ('problem' in parsed) throw templateError([parsed.problem]);
  const { problems } = new TemplateWalker(template, undefined).walk(parsed.program).checkContexts(shell);
  if (problems.length) throw templateError(problems);
  // Every lookup left in the program is a helper's argument: handlebars' strict mode does not
  // check that its last name exists (strictView below does), only that no name before it is
  // null or undefined (`{{#if a.b}}` with `a: null` fails instead of being false).
  // knownHelpersOnly is a second guard behind the walker.
  const render = instanceFor(shell).compile(parsed.program, {
    strict: true,
    noEscape: true,
    knownHelpersOnly: true,
    knownHelpers: { [QUOTE_HELPER]: true, join: true, lookup: true },
  });
  return (vars) => {
    try {
      return render(strictView(vars, ''));
    } catch (error) {
      if (error instanceof ChaoslabError) throw error;
      throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', `cannot render command template: ${(error as Error).message}`, { cause: error });
    }
  };
}

export function renderCommand(template: string, shell: ShellKind, vars: Record<string, unknown>): string {
  return compileCommand(template, shell)(vars);
}

/**
 * Handlebars' own strict mode skips helper arguments and block conditions
 * (`{{#if missing}}` is silently false). This view makes every lookup of a name
 * the variables do not have an error, wherever it appears in the template.
 */
function strictView<T>(value: T, path: string): T {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key !== 'string') return Reflect.get(target, key, receiver);
      const child = !path ? key : Array.isArray(target) ? `${path}[${key}]` : `${path}.${key}`;
      if (!(key in target)) throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', `cannot render command template: unknown variable "${child}"`);
      return strictView(Reflect.get(target, key, receiver), child);
    },
  });
}

function templateError(problems: readonly TemplateProblem[]): ChaoslabError {
  return new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n'));
}

function parse(template: string): { program: hbs.AST.Program } | { problem: TemplateProblem } {
  try {
    return { program: parser.parse(template) };
  } catch (error) {
    // Two shapes: the grammar's "Parse error on line N:\n<excerpt>\n---^\nExpecting …" and
    // handlebars' own "if doesn't match each - 1:3" (with lineNumber and a 0-based column).
    const { message, lineNumber, column } = error as Error & { lineNumber?: number; column?: number };
    const line = lineNumber ?? Number(/line (\d+)/.exec(message)?.[1] ?? 1);
    const reason = message.split('\n').at(-1)!.replace(/ - \d+:\d+$/, '');
    return { problem: { message: `not a valid template: ${reason}`, line, column: (column ?? 0) + 1 } };
  }
}

const parser = Handlebars.create();
const instances = new Map<ShellKind, typeof Handlebars>();

/** An isolated handlebars per shell: its helpers never leak into the reporters' instance. */
function instanceFor(shell: ShellKind): typeof Handlebars {
  let instance = instances.get(shell);
  if (instance) return instance;
  instance = Handlebars.create();
  instance.registerHelper(QUOTE_HELPER, (value: unknown, options: Handlebars.HelperOptions) => quoteFor(shell, scalar(value, String(options.hash.expression))));
  instance.registerHelper('join', (list: unknown, options: Handlebars.HelperOptions) => {
    // the walker gives every `join` its source text (withExpression); a sub-expression `join` is refused
    const expression = String(options.hash.expression);
    if (!Array.isArray(list)) throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', `{{${expression}}} needs a list (got ${describe(list)})`);
    return quoteListFor(shell, list.map((item) => scalar(item, expression)));
  });
  instances.set(shell, instance);
  return instance;
}

function scalar(value: unknown, expression: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', `{{${expression}}} is a list: write {{join ${expression}}}`);
  if (value === undefined) throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', `{{${expression}}}: unknown variable (no value given)`);
  throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', `{{${expression}}} must be a string, number or boolean (got ${describe(value)})`);
}

/** What a value that is neither a scalar nor a list is (lists are told apart before). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * Checks every node and rewrites value mustaches into quoting-helper calls.
 * `variables`, when given, are the only top-level names a template may use.
 */
class TemplateWalker {
  readonly problems: TemplateProblem[] = [];
  /** Where each line of the template starts in its text (handlebars positions are line and column). */
  private readonly lineStarts: number[] = [];
  /** Every mustache that inserts a value, with its source text: each must sit where a bare word may. */
  private readonly values: { node: hbs.AST.MustacheStatement; source: string }[] = [];

  constructor(private readonly template: string, private readonly variables: readonly string[] | undefined) {
    let offset = 0;
    for (const line of template.split('\n')) {
      this.lineStarts.push(offset);
      offset += line.length + 1;
    }
  }

  /** `contextChanged`: inside `each`/`with`, plain names refer to the item, not to the template's variables. */
  walk(program: hbs.AST.Program, contextChanged = false): this {
    for (const node of program.body) this.visit(node, contextChanged);
    return this;
  }

  /** Refuses values inside quotes or comments of the target shell (quote-context.ts). */
  checkContexts(shell: ShellKind): this {
    const contexts = contextsAt(
      this.template,
      shell,
      this.values.map(({ node }) => this.offset(node.loc.start)),
    );
    this.values.forEach(({ node, source }, index) => {
      const problem = contextProblem(contexts[index]!, source, shell);
      if (problem) this.problem(node, problem);
    });
    return this;
  }

  private visit(node: Node, contextChanged: boolean): void {
    switch (node.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement':
        return this.mustache(node as hbs.AST.MustacheStatement, contextChanged);
      case 'BlockStatement':
        return this.block(node as hbs.AST.BlockStatement, contextChanged);
      case 'PartialStatement':
      case 'PartialBlockStatement':
        return this.problem(node, `partials are not allowed: ${this.source(node)}`);
      default:
        return this.problem(node, `${node.type} is not allowed: ${this.source(node)}`);
    }
  }

  private mustache(node: hbs.AST.MustacheStatement, contextChanged: boolean): void {
    const source = this.source(node);
    if (!node.escaped) {
      return this.problem(node, `${source} would insert a value unquoted: write {{${this.source(node.path)}}} and it is quoted for the shell`);
    }
    const path = node.path;
    if (node.params.length > 0 || node.hash) {
      // a helper call; a literal in the helper's place (`{{"x" a}}`) names no helper this allows
      const name = this.helperName(path);
      this.checkArguments(node.params, node.hash, contextChanged);
      if (QUOTING_HELPERS.has(name)) {
        this.values.push({ node, source });
        return this.withExpression(node, source);
      }
      if (!VALUE_HELPERS.has(name)) return this.problem(node, `unknown helper "${name}" in ${source}`);
      return this.quote(node, { type: 'SubExpression', path, params: node.params, hash: node.hash, loc: node.loc } as hbs.AST.SubExpression, source);
    }
    if (path.type === 'PathExpression') this.checkVariable(path as hbs.AST.PathExpression, contextChanged);
    this.quote(node, path, source);
  }

  private block(node: hbs.AST.BlockStatement, contextChanged: boolean): void {
    const name = this.helperName(node.path);
    if (this.template.startsWith('{{{{', this.offset(node.loc.start))) {
      return this.problem(node, `raw blocks are not allowed: {{{{${name}}}}}`);
    }
    if (!BLOCK_HELPERS.has(name)) return this.problem(node, `unknown block helper "${name}": only ${[...BLOCK_HELPERS].join(', ')}`);
    this.checkArguments(node.params, node.hash, contextChanged);
    this.walk(node.program, contextChanged || name === 'each' || name === 'with');
    if (node.inverse) this.walk(node.inverse, contextChanged);
  }

  private checkArguments(params: Expression[], hash: hbs.AST.Hash | undefined, contextChanged: boolean): void {
    for (const param of [...params, ...(hash?.pairs ?? []).map((pair) => pair.value)]) {
      if (param.type === 'PathExpression') this.checkVariable(param as hbs.AST.PathExpression, contextChanged);
      if (param.type === 'SubExpression') {
        const sub = param as hbs.AST.SubExpression;
        const name = this.helperName(sub.path);
        if (!VALUE_HELPERS.has(name)) this.problem(sub, `unknown helper "${name}" in ${this.source(sub)}`);
        this.checkArguments(sub.params, sub.hash, contextChanged);
      }
    }
  }

  /** A helper's name as handlebars resolves it (`[each]` is `each`); a literal in its place keeps its quotes, so it names none. */
  private helperName(path: Expression): string {
    return path.type === 'PathExpression' ? (path as hbs.AST.PathExpression).original : this.source(path);
  }

  /**
   * A top-level name is a plain `name…` outside each/with, or `@root.name`. Names inside
   * each/with are the item's (checked when rendering), `{{this}}` has no name and other
   * `@data` names are handlebars' own. `../` outside each/with has nothing to climb out of.
   */
  private checkVariable(path: hbs.AST.PathExpression, contextChanged: boolean): void {
    if (!this.variables) return;
    const [head] = path.parts;
    let name: string | undefined;
    if (path.data) name = head === 'root' ? path.parts[1] : undefined;
    else if (!contextChanged) {
      if (path.depth > 0) return this.problem(path, `"${path.original}" climbs out of no each or with`);
      name = head;
    }
    if (name !== undefined && !this.variables.includes(name)) {
      this.problem(path, `unknown variable "${name}" (known: ${this.variables.join(', ') || 'none'})`);
    }
  }

  /** Turns `{{expr}}` into `{{__chaoslab_quote expr expression="…"}}`. */
  private quote(node: hbs.AST.MustacheStatement, value: Expression, source: string): void {
    this.values.push({ node, source });
    const mutable = node as { path: Expression; params: Expression[]; hash: hbs.AST.Hash };
    mutable.path = { type: 'PathExpression', data: false, depth: 0, parts: [QUOTE_HELPER], original: QUOTE_HELPER, loc: node.loc } as hbs.AST.PathExpression;
    mutable.params = [value];
    mutable.hash = expressionHash(source, node.loc);
  }

  private withExpression(node: hbs.AST.MustacheStatement, source: string): void {
    (node as { hash: hbs.AST.Hash }).hash = expressionHash(source, node.loc);
  }

  private source(node: Node): string {
    return this.template.slice(this.offset(node.loc.start), this.offset(node.loc.end));
  }

  /** A handlebars position (1-based line, 0-based column) as an offset in the template text. */
  private offset(position: hbs.AST.Position): number {
    return this.lineStarts[position.line - 1]! + position.column;
  }

  private problem(node: Node, message: string): void {
    this.problems.push({ message, line: node.loc.start.line, column: node.loc.start.column + 1 });
  }
}

function expressionHash(source: string, loc: hbs.AST.SourceLocation): hbs.AST.Hash {
  const text = source.replace(/^\{\{~?\s*|\s*~?\}\}$/g, '');
  const value = { type: 'StringLiteral', value: text, original: text, loc } as hbs.AST.StringLiteral;
  return { type: 'Hash', pairs: [{ type: 'HashPair', key: 'expression', value, loc } as hbs.AST.HashPair], loc };
}

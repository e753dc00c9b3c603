import Handlebars from 'handlebars';
import { ChaoslabError } from '../core/errors.js';
import { siteProblem, sitesAt, type SiteContext } from './quote-context.js';
import type { ShellKind } from './shell.js';
import { checkArithmetic, describe, listReference, reference, scalar, TemplateValues } from './template-values.js';

/**
 * Scenario `steps` are handlebars templates rendered into shell commands. A
 * value never becomes part of the command's text: the template is parsed,
 * anything that could insert text verbatim (triple-stash, `{{& }}`, partials,
 * raw blocks, decorators, unknown helpers) is rejected, and every remaining
 * `{{expr}}` is rewritten into a helper that puts the value in a variable and
 * writes a reference to it, in the form its place in the shell's syntax expands
 * (template-values.ts, quote-context.ts). The rendered command is a prologue
 * setting the variables from quoted literals, then the template's text. Places
 * where no reference can be written, or where the shell would evaluate the
 * value (a quoted here-document, `[[ … ]]`, `eval`, cmd.exe, after `--%`), are
 * refused with their line and column. Missing variables are errors (strict
 * mode), never ''.
 *
 * Allowed: `{{name}}`, `{{a.b}}`, literals, `{{lookup map key}}`, `{{join list}}`
 * (each element its own variable: separate words in sh, an array in
 * PowerShell), and the blocks `if`, `unless`, `each`, `with`.
 */
export interface TemplateProblem {
  readonly message: string;
  /** 1-based, within the template text */
  readonly line: number;
  readonly column: number;
}

export type CommandRenderer = (vars: Record<string, unknown>) => string;

const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);
/** Helpers that take a list, each element its own value. */
const LIST_HELPERS = new Set(['join']);
/** Helpers that compute a value, which is then quoted like any other. */
const VALUE_HELPERS = new Set(['lookup']);
const VALUE_HELPER = '__chaoslab_value';
/** Where a rendering's variables are collected: handlebars hands its `data` to every helper, inside each/with too. */
const VALUES_KEY = 'chaoslabValues';

type Node = hbs.AST.Node;
type Expression = hbs.AST.Expression;

export function validateTemplate(template: string, options: { shell: ShellKind; variables?: readonly string[] }): TemplateProblem[] {
  const parsed = parse(template);
  if ('problem' in parsed) return [parsed.problem];
  return new TemplateWalker(template, options.variables).walk(parsed.program).checkSites(options.shell).problems;
}

export function compileCommand(template: string, shell: ShellKind): CommandRenderer {
  const parts = compileCommandParts(template, shell);
  return (vars) => {
    const { prologue, body } = parts(vars);
    return prologue + body;
  };
}

/** The rendered command in its two parts: the prologue that sets the values' variables, and the author's text (whose line numbers `validate` reports). */
export function compileCommandParts(template: string, shell: ShellKind): (vars: Record<string, unknown>) => { readonly prologue: string; readonly body: string } {
  const parsed = parse(template);
  if ('problem' in parsed) throw templateError([parsed.problem]);
  const { problems } = new TemplateWalker(template, undefined).walk(parsed.program).checkSites(shell);
  if (problems.length) throw templateError(problems);
  // Every lookup left in the program is a helper's argument: handlebars' strict mode does not
  // check that its last name exists (strictView below does), only that no name before it is
  // null or undefined (`{{#if a.b}}` with `a: null` fails instead of being false).
  // knownHelpersOnly is a second guard behind the walker.
  const render = instanceFor(shell).compile(parsed.program, {
    strict: true,
    noEscape: true,
    knownHelpersOnly: true,
    knownHelpers: { [VALUE_HELPER]: true, join: true, lookup: true },
  });
  return (vars) => {
    try {
      const values = new TemplateValues(shell);
      const body = render(strictView(vars, ''), { data: { [VALUES_KEY]: values } });
      return { prologue: values.prologue(), body };
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
  instance.registerHelper(VALUE_HELPER, (value: unknown, options: Handlebars.HelperOptions) => {
    const { expression, site, name } = options.hash as { expression: string; site: SiteContext; name?: string };
    const text = scalar(value, expression);
    if (site === 'arithmetic') checkArithmetic(text, expression);
    return reference(shell, site, valuesOf(options).variableFor(text, name));
  });
  instance.registerHelper('join', (list: unknown, options: Handlebars.HelperOptions) => {
    // the walker gives every `join` its source text and site; a sub-expression `join` is refused
    const { expression, site } = options.hash as { expression: string; site: SiteContext };
    if (!Array.isArray(list)) throw new ChaoslabError('CHAOSLAB_TEMPLATE_INVALID', `{{${expression}}} needs a list (got ${describe(list)})`);
    const values = valuesOf(options);
    return listReference(shell, site, list.map((item) => values.variableFor(scalar(item, expression), undefined)));
  });
  instances.set(shell, instance);
  return instance;
}

function valuesOf(options: Handlebars.HelperOptions): TemplateValues {
  return (options.data as Record<string, TemplateValues>)[VALUES_KEY]!;
}

/**
 * Checks every node and rewrites value mustaches into quoting-helper calls.
 * `variables`, when given, are the only top-level names a template may use.
 */
class TemplateWalker {
  readonly problems: TemplateProblem[] = [];
  /** Where each line of the template starts in its text (handlebars positions are line and column). */
  private readonly lineStarts: number[] = [];
  /** Every mustache that inserts a value, with its source text: its site decides how its reference is written. */
  private readonly values: { node: hbs.AST.MustacheStatement; source: string; list: boolean }[] = [];

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

  /** Gives every value the site it stands at (quote-context.ts); refuses those where no reference can stand. */
  checkSites(shell: ShellKind): this {
    const sites = sitesAt(
      this.template,
      shell,
      this.values.map(({ node }) => this.offset(node.loc.start)),
    );
    this.values.forEach(({ node, source, list }, index) => {
      const site = sites[index]!;
      const problem = list && site.context === 'arithmetic' ? `${source} puts a list in $(( … )), which takes one number` : siteProblem(site, source);
      if (problem) this.problem(node, problem);
      else addHashPair(node, 'site', site.context);
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
      return this.problem(node, `${source} would paste a value into the command text: write {{${this.source(node.path)}}}, which passes it as data`);
    }
    const path = node.path;
    if (node.params.length > 0 || node.hash) {
      // a helper call; a literal in the helper's place (`{{"x" a}}`) names no helper this allows
      const name = this.helperName(path);
      this.checkArguments(node.params, node.hash, contextChanged);
      if (LIST_HELPERS.has(name)) {
        this.values.push({ node, source, list: true });
        return this.withExpression(node, source);
      }
      if (!VALUE_HELPERS.has(name)) return this.problem(node, `unknown helper "${name}" in ${source}`);
      return this.asValue(node, { type: 'SubExpression', path, params: node.params, hash: node.hash, loc: node.loc } as hbs.AST.SubExpression, source, undefined);
    }
    let name: string | undefined;
    if (path.type === 'PathExpression') {
      const variable = path as hbs.AST.PathExpression;
      this.checkVariable(variable, contextChanged);
      // a top-level name gives its variable a readable name (CHAOSLAB_V_snapshot)
      if (!contextChanged && !variable.data && variable.depth === 0 && variable.parts.length === 1) name = variable.parts[0];
    }
    this.asValue(node, path, source, name);
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

  /** Turns `{{expr}}` into `{{__chaoslab_value expr expression="…" name="…"}}` (checkSites adds `site`). */
  private asValue(node: hbs.AST.MustacheStatement, value: Expression, source: string, name: string | undefined): void {
    this.values.push({ node, source, list: false });
    const mutable = node as { path: Expression; params: Expression[]; hash: hbs.AST.Hash };
    mutable.path = { type: 'PathExpression', data: false, depth: 0, parts: [VALUE_HELPER], original: VALUE_HELPER, loc: node.loc } as hbs.AST.PathExpression;
    mutable.params = [value];
    mutable.hash = expressionHash(source, node.loc);
    if (name !== undefined) addHashPair(node, 'name', name);
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
  return { type: 'Hash', pairs: [stringPair('expression', text, loc)], loc };
}

function stringPair(key: string, text: string, loc: hbs.AST.SourceLocation): hbs.AST.HashPair {
  const value = { type: 'StringLiteral', value: text, original: text, loc } as hbs.AST.StringLiteral;
  return { type: 'HashPair', key, value, loc } as hbs.AST.HashPair;
}

function addHashPair(node: hbs.AST.MustacheStatement, key: string, text: string): void {
  node.hash.pairs.push(stringPair(key, text, node.loc));
}

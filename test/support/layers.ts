import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * The layer check behind test/unit/import-boundaries.test.ts. The declared order
 * is the "Layers" table of docs/architecture.md; this module reads it, collects
 * every import of every source file and reports what breaks the order.
 */
export interface Layer {
  readonly rank: number;
  /** A folder relative to the repository root, with a trailing slash: `harness/core/`. */
  readonly folder: string;
}

export interface LayerViolations {
  /** `harness/a/x.ts (rank 2) imports harness/b/y.ts (rank 5)` */
  readonly upward: readonly string[];
  /** Files that lie in no declared folder. */
  readonly unplaced: readonly string[];
  /** Each file-level cycle once, as a path that ends where it starts. */
  readonly cycles: readonly (readonly string[])[];
}

/** Rows of the "## Layers" section: `| 3 | \`harness/faults/\` | … |`. */
export function readLayers(markdown: string): Layer[] {
  const section = /^## Layers\n([\s\S]*?)(?=^## )/m.exec(markdown)?.[1];
  if (!section) throw new Error('docs/architecture.md has no "## Layers" section');
  const layers = [...section.matchAll(/^\|\s*(\d+)\s*\|\s*`([^`]+\/)`\s*\|/gm)].map((m) => ({ rank: Number(m[1]), folder: m[2]! }));
  if (layers.length === 0) throw new Error('the "## Layers" section of docs/architecture.md has no `| rank | `folder/` |` rows');
  return layers;
}

/** Every .ts (not .d.ts) and .js file under the given folders, relative to root. */
export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir)).sort()) {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...sourceFiles(root, path));
    else if (/\.(ts|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/**
 * Every module specifier a file names: static imports (`import type` included),
 * `export … from`, `import x = require()`, and dynamic `import('…')` with a literal.
 */
export function specifiersOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** Dynamic `import()` calls whose argument is not a literal: the check cannot follow them, so they are refused. */
export function computedImportsOf(fileName: string, text: string): string[] {
  if (!/\bimport\s*\(/.test(text)) return [];
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && !ts.isStringLiteralLike(node.arguments[0] ?? node)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${fileName}:${line + 1} ${node.getText(source)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A relative specifier as a repository path; `.js` means the `.ts` source when one exists. */
export function resolveSpecifier(root: string, file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(root, resolve(root, dirname(file), specifier));
  const source = target.replace(/\.js$/, '.ts');
  return source !== target && existsSync(join(root, source)) ? source : target;
}

/** file → the project files it imports (resolved, de-duplicated). */
export function importGraph(root: string, files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = specifiersOf(readFileSync(join(root, file), 'utf8'))
      .map((s) => resolveSpecifier(root, file, s))
      .filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The deepest declared folder that holds the file. */
export function layerOf(layers: readonly Layer[], file: string): Layer | undefined {
  return layers.filter((l) => file.startsWith(l.folder)).sort((a, b) => b.folder.length - a.folder.length)[0];
}

/**
 * A file may import its own folder and any folder of a lower rank; folders of
 * equal rank may not import each other. Cycles are checked between files
 * whatever their folders (a cycle inside one folder is still a knot).
 */
export function checkLayers(layers: readonly Layer[], graph: ReadonlyMap<string, readonly string[]>): LayerViolations {
  const upward: string[] = [];
  const unplaced = new Set<string>();
  for (const [file, targets] of graph) {
    const from = layerOf(layers, file);
    if (!from) unplaced.add(file);
    for (const target of targets) {
      const to = layerOf(layers, target);
      if (!to) {
        unplaced.add(target);
        continue;
      }
      if (!from || from.folder === to.folder) continue;
      if (to.rank >= from.rank) upward.push(`${file} (${from.folder}, rank ${from.rank}) imports ${target} (${to.folder}, rank ${to.rank})`);
    }
  }
  return { upward, unplaced: [...unplaced].sort(), cycles: findCycles(graph) };
}

/** One cycle per strongly connected component (Tarjan), as a file path a → b → … → a. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component);
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((component) => cyclePath(graph, new Set(component)));
}

/** A shortest way from the component's first file (by name) back to itself, staying inside the component. */
function cyclePath(graph: ReadonlyMap<string, readonly string[]>, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const target of graph.get(node) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== start && at !== undefined; at = cameFrom.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayers, computedImportsOf, findCycles, importGraph, readLayers, sourceFiles, specifiersOf, type Layer } from '../support/layers.js';

/**
 * The layer order of docs/architecture.md ("Layers"), checked over every import
 * of every source file: no import of a higher rank, no file-level cycle, no file
 * outside a declared folder.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const LAYERS = readLayers(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'));
const files = [...sourceFiles(ROOT, 'harness'), ...sourceFiles(ROOT, 'reporters')];
const graph = importGraph(ROOT, files);

/**
 * Reporters read the run model, not the rest of the harness below them (plus
 * pure helpers, and the one way a run folder's files are written, which records
 * each file's digest for the seal).
 */
const REPORTERS_MAY_IMPORT = ['reporters/', 'harness/model/', 'harness/core/duration.ts', 'harness/core/errors.ts', 'harness/core/artifact-file.ts', 'harness/core/url-credentials.ts', 'harness/config/fields.ts', 'harness/config/scenario-schema.ts'];

/** Protocol libraries sit behind our own interfaces: one place each. */
const LIBRARY_HOMES: Record<string, string[]> = {
  ssh2: ['harness/transport/ssh'],
  dockerode: ['harness/transport/container-engine'],
  pg: ['harness/observers/postgres'],
  // the browser observer reads dashboards; the pdf reporter prints the scorecard
  'playwright-core': ['harness/observers/browser', 'reporters/pdf/chromium'],
};

describe('layer order', () => {
  it('declares every folder under harness/ and reporters/ exactly once', () => {
    const folders = LAYERS.map((l) => l.folder);
    const harnessFolders = readdirSync(join(ROOT, 'harness'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `harness/${d.name}/`);
    expect([...folders].sort()).toEqual([...harnessFolders, 'reporters/'].sort());
    expect(new Set(folders).size).toBe(folders.length);
  });

  it('parses every source file, the browser scripts included', () => {
    expect(files.length).toBeGreaterThan(200);
    expect(files).toContain('reporters/html/client.js');
    expect(graph.get('harness/cli/main.ts')!.length).toBeGreaterThan(0);
  });

  it('has no upward import, no file outside a layer and no import cycle', () => {
    const { upward, unplaced, cycles } = checkLayers(LAYERS, graph);
    expect({ upward, unplaced, cycles: cycles.map((c) => c.join(' → ')) }).toEqual({ upward: [], unplaced: [], cycles: [] });
  });

  it('can follow every dynamic import (its path is a literal)', () => {
    expect(files.flatMap((file) => computedImportsOf(file, readFileSync(join(ROOT, file), 'utf8')))).toEqual([]);
  });

  it('keeps reporters to the run model', () => {
    const violations = [...graph].flatMap(([file, targets]) =>
      file.startsWith('reporters/') ? targets.filter((t) => !REPORTERS_MAY_IMPORT.some((p) => t.startsWith(p))).map((t) => `${file} imports ${t}`) : [],
    );
    expect(violations).toEqual([]);
  });

  it('uses each protocol library in one place only', () => {
    const violations: string[] = [];
    for (const file of files) {
      for (const specifier of specifiersOf(readFileSync(join(ROOT, file), 'utf8'))) {
        const homes = LIBRARY_HOMES[specifier];
        if (homes && !homes.some((home) => file.startsWith(home))) violations.push(`${file} imports ${specifier}`);
      }
    }
    expect(violations).toEqual([]);
  });
});

describe('the layer checker', () => {
  const layers: Layer[] = [
    { rank: 1, folder: 'lib/low/' },
    { rank: 2, folder: 'lib/mid/' },
    { rank: 2, folder: 'lib/side/' },
    { rank: 3, folder: 'lib/high/' },
  ];

  it('sees every kind of import', () => {
    const text = [
      "import type { A } from './a.js';",
      "export { B } from './b.js';",
      "export * from './c.js';",
      "const d = await import('./d.js');",
      "import './e.js';",
    ].join('\n');
    expect(specifiersOf(text)).toEqual(['./a.js', './b.js', './c.js', './d.js', './e.js']);
    expect(computedImportsOf('x.ts', `${text}\nconst f = await import(name);`)).toEqual(['x.ts:6 import(name)']);
  });

  it('reports an upward import, an import between equal ranks and a file outside every layer', () => {
    const result = checkLayers(
      layers,
      new Map([
        ['lib/low/a.ts', ['lib/high/b.ts']],
        ['lib/mid/c.ts', ['lib/side/d.ts', 'lib/low/a.ts']],
        ['lib/high/b.ts', ['lib/mid/c.ts', 'lib/high/e.ts']],
        ['lib/stray.ts', ['lib/low/a.ts']],
      ]),
    );
    expect(result.upward).toEqual([
      'lib/low/a.ts (lib/low/, rank 1) imports lib/high/b.ts (lib/high/, rank 3)',
      'lib/mid/c.ts (lib/mid/, rank 2) imports lib/side/d.ts (lib/side/, rank 2)',
    ]);
    expect(result.unplaced).toEqual(['lib/stray.ts']);
  });

  it('reports a cycle as the path that closes it', () => {
    const graph = new Map([
      ['lib/low/a.ts', ['lib/low/b.ts']],
      ['lib/low/b.ts', ['lib/low/c.ts', 'lib/low/x.ts']],
      ['lib/low/c.ts', ['lib/low/a.ts']],
      ['lib/low/x.ts', []],
      ['lib/low/self.ts', ['lib/low/self.ts']],
    ]);
    expect(findCycles(graph)).toEqual([
      ['lib/low/a.ts', 'lib/low/b.ts', 'lib/low/c.ts', 'lib/low/a.ts'],
      ['lib/low/self.ts', 'lib/low/self.ts'],
    ]);
    expect(checkLayers(layers, graph).cycles).toHaveLength(2);
  });
});

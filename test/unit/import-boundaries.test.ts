import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Folders say where code runs and what it may import (docs/architecture.md, "Folders").
 * Each rule: files under `from` may import project files only under `allow`,
 * and the named protocol libraries only from the listed files.
 */
const ROOT = resolve(import.meta.dirname, '../..');

const PROJECT_RULES: { from: string; allow: string[] }[] = [
  // Reporters read the run model only (plus pure formatting helpers of harness/core).
  { from: 'reporters/', allow: ['reporters/', 'harness/model/', 'harness/core/duration.ts', 'harness/core/errors.ts', 'harness/config/fields.ts', 'harness/config/scenario-schema.ts'] },
  // The engine never reaches into reporters; only the CLI composes them.
  { from: 'harness/model/', allow: ['harness/model/', 'harness/config/', 'harness/core/'] },
  { from: 'harness/core/', allow: ['harness/core/', 'harness/transport/transport.ts'] },
];
const HARNESS_MAY_IMPORT_REPORTERS = ['harness/cli/'];

/** Protocol libraries sit behind our own interfaces: one place each. */
const LIBRARY_HOMES: Record<string, string[]> = {
  ssh2: ['harness/transport/ssh'],
  dockerode: ['harness/lab/', 'harness/transport/docker-exec'],
  pg: ['harness/observers/postgres'],
  // the browser observer reads dashboards; the pdf reporter prints the scorecard
  'playwright-core': ['harness/observers/browser', 'reporters/pdf/chromium'],
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const full = join(ROOT, dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(relative(ROOT, full)));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(ROOT, full));
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)];
  return specifiers.map((m) => m[1]!);
}

function resolveProjectImport(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts');
}

const files = [...sourceFiles('harness'), ...sourceFiles('reporters')];

describe('import boundaries', () => {
  it('finds the source files it checks', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files).toContain('reporters/console.ts');
  });

  it('keeps every folder to its allowed imports', () => {
    const violations: string[] = [];
    for (const file of files) {
      for (const specifier of importsOf(file)) {
        const target = resolveProjectImport(file, specifier);
        if (!target) continue;
        const rule = PROJECT_RULES.find((r) => file.startsWith(r.from));
        if (rule && !rule.allow.some((prefix) => target.startsWith(prefix))) violations.push(`${file} imports ${target}`);
        if (file.startsWith('harness/') && target.startsWith('reporters/') && !HARNESS_MAY_IMPORT_REPORTERS.some((p) => file.startsWith(p))) {
          violations.push(`${file} imports ${target} (only the CLI composes reporters)`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('uses each protocol library in one place only', () => {
    const violations: string[] = [];
    for (const file of files) {
      for (const specifier of importsOf(file)) {
        const homes = LIBRARY_HOMES[specifier];
        if (homes && !homes.some((home) => file.startsWith(home))) violations.push(`${file} imports ${specifier}`);
      }
    }
    expect(violations).toEqual([]);
  });
});

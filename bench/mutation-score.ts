/**
 * The mutation score of each core module, from StrykerJS's JSON report
 * (`npm run test:mutation` writes reports/mutation/mutation.json). The modules and
 * their files are the ones stryker.config.mjs mutates. Target: ≥ 90 % per module.
 *   score = (killed + timed out) / (killed + timed out + survived + no coverage)
 * Mutants that do not compile or crash the runner tell nothing about the tests and
 * are left out, as Stryker's own score does; so are ignored (static) mutants, counted
 * in their own column (docs/testing.md).
 * Run: node --import tsx bench/mutation-score.ts [report.json] [--survivors]
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const TARGET = 0.9;

type MutantStatus = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

interface ReportMutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: MutantStatus;
  readonly location: { readonly start: { readonly line: number; readonly column: number } };
}

interface MutationReport {
  readonly files: Readonly<Record<string, { readonly mutants: readonly ReportMutant[] }>>;
}

interface Tally {
  killed: number;
  survived: number;
  noCoverage: number;
  timeout: number;
  errors: number;
  ignored: number;
  undetected: string[];
}

function tally(mutants: readonly (ReportMutant & { file: string })[]): Tally {
  const t: Tally = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, errors: 0, ignored: 0, undetected: [] };
  for (const m of mutants) {
    if (m.status === 'Killed') t.killed += 1;
    else if (m.status === 'Timeout') t.timeout += 1;
    else if (m.status === 'Survived' || m.status === 'NoCoverage') {
      if (m.status === 'Survived') t.survived += 1;
      else t.noCoverage += 1;
      t.undetected.push(`${m.file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName}${m.replacement ? ` → ${m.replacement.replace(/\s+/g, ' ').slice(0, 80)}` : ''}${m.status === 'NoCoverage' ? ' (no test runs it)' : ''}`);
    } else if (m.status === 'CompileError' || m.status === 'RuntimeError') t.errors += 1;
    else if (m.status === 'Ignored') t.ignored += 1;
  }
  return t;
}

function score(t: Tally): number | undefined {
  const valid = t.killed + t.timeout + t.survived + t.noCoverage;
  return valid ? (t.killed + t.timeout) / valid : undefined;
}

const args = process.argv.slice(2);
const reportFile = args.find((a) => !a.startsWith('--')) ?? join(root, 'reports/mutation/mutation.json');
const showSurvivors = args.includes('--survivors');

const report = JSON.parse(await readFile(reportFile, 'utf8')) as MutationReport;
const { CORE_MODULES } = (await import(pathToFileURL(join(root, 'stryker.config.mjs')).href)) as { CORE_MODULES: Record<string, string[]> };
const mutantsOf = (file: string) => {
  const entry = Object.entries(report.files).find(([name]) => (isAbsolute(name) ? relative(root, name) : name) === file);
  return entry ? entry[1].mutants.map((m) => ({ ...m, file })) : undefined;
};

console.log(`mutation score per core module (${relative(process.cwd(), reportFile) || reportFile}); target ≥ ${TARGET * 100} %\n`);
console.log(`${'module'.padEnd(12)} ${'score'.padStart(7)} ${'killed'.padStart(7)} ${'timeout'.padStart(8)} ${'survived'.padStart(9)} ${'no cov.'.padStart(8)} ${'ignored'.padStart(8)}  files`);
const below: string[] = [];
for (const [name, files] of Object.entries(CORE_MODULES)) {
  const found = files.map(mutantsOf);
  if (found.every((m) => m === undefined)) {
    console.log(`${name.padEnd(12)} ${'—'.padStart(7)}  not in this report (run Stryker with these files mutated)`);
    continue;
  }
  const t = tally(found.flatMap((m) => m ?? []));
  const s = score(t);
  const pct = s === undefined ? 'n/a' : `${(s * 100).toFixed(1)}%`;
  if (s !== undefined && s < TARGET) below.push(name);
  const missing = files.filter((_, i) => found[i] === undefined);
  console.log(`${name.padEnd(12)} ${pct.padStart(7)} ${String(t.killed).padStart(7)} ${String(t.timeout).padStart(8)} ${String(t.survived).padStart(9)} ${String(t.noCoverage).padStart(8)} ${String(t.ignored).padStart(8)}  ${files.join(', ')}${missing.length ? ` (not mutated: ${missing.join(', ')})` : ''}`);
  if (showSurvivors) for (const line of t.undetected) console.log(`    ${line}`);
}
console.log(below.length ? `\nbelow target: ${below.join(', ')}` : '\nevery module in the report meets the target');

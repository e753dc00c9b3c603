/**
 * Validation time and memory of large and hostile YAML files: each shape is
 * written to a file and validated the way `chaoslab validate` does it
 * (loadProject: read, parse, duplicate keys, schema, scenario checks) in a fresh
 * child process, which reports its wall time, CPU time and peak RSS (the RSS
 * includes node and tsx: the "tiny file" row is that floor). The shapes are the
 * ones of issue #25: unknown keys (was quadratic), bad list items (was a
 * RangeError), nested brackets (was out of memory), a huge template (was 35 s and
 * 1.5 GB), and plain data. "Largest accepted" files are as big as the limits
 * allow (1 MiB, 200 000 YAML tokens, a 64 KiB command: harness/config/load-yaml*.ts,
 * scenario-schema.ts); "over the limits" rows show how fast a refusal is. The last
 * row is the YAML library alone parsing 10 MB: what accepting 10 MB would cost.
 * Target: each file ≤ 2 s and ≤ 512 MB. The machine's load is printed at the end:
 * wall time on a busy machine says little, CPU time more.
 *
 *   node --import tsx bench/validate-size.ts
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lexer, LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../harness/core/errors.js';
import { loadProject } from '../harness/config/load-project.js';
import { MAX_TOKENS } from '../harness/config/load-yaml-bounds.js';
import { MAX_YAML_BYTES } from '../harness/config/load-yaml.js';
import { MAX_COMMAND_CHARS } from '../harness/config/scenario-schema.js';
import { tempDir } from '../test/support/tmp.js';

interface Measure {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly rssMb: number;
  readonly outcome: string;
}

/** Child mode: validate (or only parse) one file and print what it cost. */
async function measureOne(file: string, libraryOnly: boolean): Promise<Measure> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let outcome = 'valid';
  if (libraryOnly) {
    parseDocument(await readFile(file, 'utf8'), { lineCounter: new LineCounter(), uniqueKeys: false, prettyErrors: false, merge: true });
    outcome = 'parsed by the YAML library';
  } else {
    try {
      await loadProject({ scenarioPaths: [file] });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      outcome = `${error.issues.length} problem(s): ${error.issues[0]!.message.slice(0, 60)}`;
    }
  }
  const { user, system } = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (user + system) / 1000, rssMb: process.resourceUsage().maxRSS / 1024, outcome };
}

const HEAD = 'id: big\ntitle: Big\nplatform: linux\ntarget: web\ncheck_type: fixture\nsla: 60s\nwindow: 5m\nexpect: { outcome: heal }\n';
const STEPS = 'steps: { inject: "true", check: "true", revert: "true" }\n';

function tokens(text: string): number {
  let count = 0;
  for (const _ of new Lexer().lex(text)) count += 1;
  return count;
}

/**
 * `head`, then `line(i)` repeated while the text stays under `size` bytes and
 * (by an estimate from the first lines) 95 % of the token limit, then `tail`.
 */
function grow(size: number, head: string, line: (i: number) => string, tail = '', tokenBound = true): string {
  const perLine = (tokens(head + line(0) + line(1) + tail) - tokens(head + line(0) + tail)) || 1;
  const maxLines = tokenBound ? Math.floor((0.95 * MAX_TOKENS - tokens(head + tail)) / perLine) : Infinity;
  const parts = [head];
  let length = head.length + tail.length;
  for (let i = 0; i < maxLines; i += 1) {
    const next = line(i);
    if (length + next.length > size) break;
    parts.push(next);
    length += next.length;
  }
  parts.push(tail);
  return parts.join('');
}

function nested(size: number): string {
  const levels = Math.floor((size - HEAD.length - STEPS.length - 10) / 2);
  return `${HEAD}${STEPS}x: ${'['.repeat(levels)}${']'.repeat(levels)}\n`;
}

const CAP = MAX_YAML_BYTES;
const TEN_MB = 10_000_000;
const TEMPLATE_HEAD = `${HEAD}params: { a: 1 }\nsteps:\n  check: "true"\n  revert: "true"\n  inject: "`;
/** A step command of about `commandSize` characters, one `{{a}}` every 12. */
const template = (commandSize: number) => grow(TEMPLATE_HEAD.length + commandSize, TEMPLATE_HEAD, () => 'echo {{a}}; ', '"\n');
const unknownKeys = (size: number, bound = true) => grow(size, HEAD + STEPS, (i) => `unknown${i}: v\n`, '', bound);
const badItems = (size: number, bound = true) => grow(size, `${HEAD}${STEPS}tags:\n`, () => '  - ""\n', '', bound);
const plainList = (size: number, bound = true) => grow(size, `${HEAD}${STEPS}tags:\n`, (i) => `  - tag-${i}\n`, '', bound);
const plainMapping = (size: number) => grow(size, `${HEAD}${STEPS}params:\n`, (i) => `  key${i}: value${i}\n`);
const prose = (size: number) => grow(size, `${HEAD}${STEPS}description: >\n`, (i) => `  line ${i} of a long description, folded into one string by YAML\n`);
/** "largest accepted": as big as the byte cap and the token limit allow; "over the limits": refused, and how fast. */
const SHAPES: Record<string, () => string> = {
  'tiny file (the floor)': () => HEAD + STEPS,
  'unknown keys, largest accepted': () => unknownKeys(CAP),
  'bad list items, largest accepted': () => badItems(CAP),
  'nested [[[…]]], 1 MiB (over the limits)': () => nested(CAP),
  'template, 1 MiB command (over the limits)': () => template(CAP - TEMPLATE_HEAD.length - 10),
  'template, largest accepted command': () => template(MAX_COMMAND_CHARS),
  'plain list, largest accepted': () => plainList(CAP),
  'plain mapping, largest accepted': () => plainMapping(CAP),
  'prose, largest accepted': () => prose(CAP),
  'unknown keys, 1 MiB (over the limits)': () => unknownKeys(CAP, false),
  'bad list items, 1 MiB (over the limits)': () => badItems(CAP, false),
  'unknown keys, 10 MB (over the limits)': () => unknownKeys(TEN_MB, false),
  'nested [[[…]]], 10 MB (over the limits)': () => nested(TEN_MB),
  'plain list, 10 MB (over the limits)': () => plainList(TEN_MB, false),
};
const LIBRARY_ONLY = 'plain list, 10 MB (over the limits)';

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === '--one') {
  console.log(JSON.stringify(await measureOne(process.argv[3]!, process.argv[4] === 'library')));
} else {
  const TARGET_MS = 2000;
  const TARGET_MB = 512;
  await using dir = await tempDir('chaoslab-bench-validate-');
  console.log(`validate-size: limits ${CAP} bytes, ${MAX_TOKENS} tokens, a command ${MAX_COMMAND_CHARS} characters; target ≤ ${TARGET_MS} ms and ≤ ${TARGET_MB} MB per file`);
  const rows: [string, boolean][] = [...Object.keys(SHAPES).map((name): [string, boolean] => [name, false]), [LIBRARY_ONLY, true]];
  let misses = 0;
  for (const [shape, libraryOnly] of rows) {
    const file = join(dir.path, 'big.yaml');
    const text = SHAPES[shape]!();
    await writeFile(file, text);
    const output = execFileSync(process.execPath, ['--import', 'tsx', self, '--one', file, libraryOnly ? 'library' : 'validate'], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const measure = JSON.parse(output.trim().split('\n').at(-1)!) as Measure;
    // judged on CPU time: on a shared machine wall time mostly measures the other processes
    const within = measure.cpuMs <= TARGET_MS && measure.rssMb <= TARGET_MB;
    if (!within && !libraryOnly) misses += 1;
    const label = libraryOnly ? 'plain list, 10 MB: the YAML library alone' : shape;
    console.log(
      `  ${label.padEnd(60)} ${(text.length / 1e6).toFixed(2).padStart(5)} MB  wall ${measure.wallMs.toFixed(0).padStart(6)} ms  cpu ${measure.cpuMs.toFixed(0).padStart(6)} ms  ` +
        `peak RSS ${measure.rssMb.toFixed(0).padStart(5)} MB  ${within ? 'ok  ' : 'MISS'}  ${measure.outcome}`,
    );
  }
  console.log(`${misses === 0 ? 'PASS' : 'MISS'}: ${misses} validation(s) over the target`);
  console.log(`uptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
}

/**
 * Validation time of large YAML files: each shape is generated just under the
 * 10 MB cap (harness/config/load-yaml.ts) and loaded the way `validate` loads
 * it (read, parse, duplicate keys, schema). The target is linear time: 10 MB in
 * at most 2 s. Wall time depends on what else the machine runs; CPU time
 * (user + system of this process) is printed beside it, and beside that the
 * baseline measured in the same run: the YAML library's own parseDocument of
 * the same text, which validation cannot avoid (profiled: 90 %+ of the CPU time,
 * most of it the library's CST parser; duplicate keys, line numbers, toJS and
 * the schema are the rest).
 *
 *   node --import tsx bench/validate-size.ts [megabytes=10]
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { loadFile } from '../harness/config/load-file.js';
import { MAX_YAML_BYTES } from '../harness/config/load-yaml.js';
import { tempDir } from '../test/support/tmp.js';

const megabytes = Number(process.argv[2] ?? 10);
const size = Math.min(MAX_YAML_BYTES, Math.round(megabytes * 1_000_000));
const TARGET_MS = 2000;
const HEAD = 'id: big\ntitle: Big\nplatform: linux\ntarget: web\ncheck_type: fixture\nsla: 60s\nwindow: 5m\nexpect: { outcome: heal }\nsteps: { inject: "true", check: "true", revert: "true" }\n';

/** Repeats `line(i)` after `head` until the text reaches `size` bytes. */
function grow(head: string, line: (i: number) => string): string {
  const parts = [head];
  let length = head.length;
  for (let i = 0; length < size; i += 1) {
    const next = line(i);
    parts.push(next);
    length += next.length;
  }
  return parts.join('');
}

const SHAPES: Record<string, string> = {
  // one mapping with ~400k keys: the case the library's pairwise duplicate check made quadratic
  'many keys in one mapping': grow(`${HEAD}params:\n`, (i) => `  key${i}: value${i}\n`),
  'a long list': grow(`${HEAD}tags:\n`, (i) => `  - tag-${i}\n`),
  'many small mappings': grow(`${HEAD}notes:\n`, (i) => `  - { name: n${i}, at: ${i}, ok: true }\n`),
};

await using dir = await tempDir('chaoslab-bench-validate-');
console.log(`validate-size: files of ${(size / 1e6).toFixed(1)} MB, target ≤ ${TARGET_MS} ms each`);
let worst = 0;
for (const [shape, text] of Object.entries(SHAPES)) {
  const file = join(dir.path, 'big.yaml');
  await writeFile(file, text);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await loadFile(file, 'big');
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  worst = Math.max(worst, wallMs);
  const outcome = result.issues ? `${result.issues.length} problem(s)` : 'valid';
  const libraryCpu = process.cpuUsage();
  parseDocument(text, { lineCounter: new LineCounter(), uniqueKeys: false, prettyErrors: false, merge: true });
  const library = process.cpuUsage(libraryCpu);
  const cpuMs = (user + system) / 1000;
  const libraryMs = (library.user + library.system) / 1000;
  console.log(
    `  ${shape.padEnd(26)} ${(text.length / 1e6).toFixed(1)} MB  wall ${wallMs.toFixed(0).padStart(6)} ms  cpu ${cpuMs.toFixed(0).padStart(6)} ms  ` +
      `(${outcome}; the library's parse alone: cpu ${libraryMs.toFixed(0)} ms, ${((100 * libraryMs) / cpuMs).toFixed(0)} %)`,
  );
}
console.log(`worst wall time ${worst.toFixed(0)} ms: ${worst <= TARGET_MS ? 'PASS' : 'MISS'} (target ≤ ${TARGET_MS} ms)`);

// Linear means a quarter of the file costs a quarter of the time (the pairwise duplicate-key check made it a sixteenth).
const quarter = SHAPES['many keys in one mapping']!.slice(0, Math.round(size / 4)).replace(/\n[^\n]*$/, '\n');
await writeFile(join(dir.path, 'quarter.yaml'), quarter);
const quarterCpu = process.cpuUsage();
await loadFile(join(dir.path, 'quarter.yaml'), 'quarter');
const { user, system } = process.cpuUsage(quarterCpu);
console.log(`many keys, a quarter of the size: cpu ${((user + system) / 1000).toFixed(0)} ms (×4 ≈ the full file's when linear)`);

// How fast this machine is right now: V8's own JSON.parse of the same keys, for comparison across machines.
const json = JSON.stringify(Object.fromEntries(Array.from({ length: 400_000 }, (_, i) => [`key${i}`, `value${i}`])));
const jsonCpu = process.cpuUsage();
JSON.parse(json);
const calibration = process.cpuUsage(jsonCpu);
console.log(`calibration: JSON.parse of ${(json.length / 1e6).toFixed(1)} MB took cpu ${((calibration.user + calibration.system) / 1000).toFixed(0)} ms here`);
console.log(`uptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { recordArtifactDigests, writtenDigest } from '../harness/core/artifact-file.js';
import { systemClock } from '../harness/core/clock.js';
import { sha256Hex } from '../harness/evidence/chain.js';
import { resolveSigner, type ManifestSigner } from '../harness/evidence/keys.js';
import { listFiles } from '../harness/evidence/manifest.js';
import { sealRun } from '../harness/evidence/seal.js';
import { verifyFolder } from '../harness/evidence/verify.js';
import { writeRunJson } from '../harness/events/run-json.js';
import { EventWriter } from '../harness/events/writer.js';
import type { RunEvent, RunEventBody } from '../harness/model/events.js';
import type { RunModel } from '../harness/model/run-model.js';
import { reporterFactories } from '../reporters/registry.js';
import type { SigningFacts } from '../reporters/reporter.js';
import { syntheticRun } from '../test/fixtures/runs/synthetic.js';
import { modelToEvents } from '../test/fixtures/runs/to-events.js';

/**
 * What tamper evidence costs at report scale, on the synthetic 10,000-attempt
 * run of bench/report-scale.ts. A run's evidence work falls in two places, and
 * the bench measures them apart:
 *
 * (a) The report phase, at the end of the run (the target: hashing and signing
 *     add ≤ 5 % CPU to it). Baseline: run.json and the json, junit, markdown and
 *     html reporters, with digest recording off. Evidence: the per-lab key
 *     (every run resolves it), the same files written through
 *     core/artifact-file.ts recording each one's SHA-256 from the bytes it
 *     writes, and the seal (sealRun: the recorded digests, checked against
 *     each file's stat, and an Ed25519 signature over manifest.json).
 * (b) The event log, written while the run goes on: the real EventWriter
 *     writing every event, chained (each line's `prev`, and the whole log's
 *     digest the seal takes instead of reading the log back) or not. Printed
 *     as µs per event and as a share of the writer's own cost.
 * (c) The whole run end, (a) and (b) together: the file work a 10,000-attempt
 *     run does for its log and reports, for the record.
 *
 * Both sides run in one process, phase by phase (both logs, then both report
 * phases; which side goes first alternates by round), so load on a shared
 * machine hits them alike. Each figure is the median over rounds of the
 * per-round ratio evidence CPU / baseline CPU (user + sys); wall time is
 * printed for the record. It also prints the floor of each phase: SHA-256
 * alone of the bytes that phase must hash, with nothing around it.
 *   npm run bench:evidence-overhead -- [attempts] [hosts] [rounds]
 */
const ATTEMPTS = Number(process.argv[2] ?? 10_000);
const HOSTS = Number(process.argv[3] ?? 200);
const ROUNDS = Number(process.argv[4] ?? 5);
const TARGET_PCT = 5;

interface Timing { wallMs: number; cpuMs: number }
type Side = 'baseline' | 'evidence';
interface RunEnd { total: Timing; events: Timing; reports: Timing; keyAndSeal?: Timing }

async function timed(work: () => unknown): Promise<Timing> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

const bodyOf = (event: RunEvent): RunEventBody => {
  const { v: _v, seq: _seq, ts: _ts, mono: _mono, runId: _runId, ...body } = event;
  return body as RunEventBody;
};

const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
/** The per-lab key lives here for the whole bench: created in the warm-up, read by every run after it, as a lab's key is. */
const STATE_DIR = mkdtempSync(join(tmpdir(), 'chaoslab-evidence-bench-state-'));
const REPORT_FILES = ['run.json', 'report.json', 'junit.xml', 'summary.md', 'index.html'];

async function writeReports(dir: string, run: RunModel, signing?: SigningFacts): Promise<void> {
  const context = { outputDir: dir, reportsRoot: dir, stdout: silent, history: [], ...(signing && { signing }) };
  await writeRunJson(dir, run);
  for (const name of ['json', 'junit', 'markdown', 'html'] as const) await reporterFactories[name](context).onRunEnd?.(run);
}

interface Folder { readonly side: Side; readonly root: string; runDir: string }

/** (b): the event log, written by the real writer, chained or not. */
function writeEvents(folder: Folder, run: RunModel, bodies: readonly RunEventBody[]): Promise<Timing> {
  return timed(() => {
    const writer = new EventWriter({ runId: run.runId, reportsRoot: folder.root, clock: systemClock, secrets: () => [], chained: folder.side === 'evidence' });
    for (const body of bodies) writer.emit(body);
    writer.close();
    folder.runDir = writer.runDir;
  });
}

/** (a): run.json and the reports; the evidence side records their digests, resolves the per-lab key (every run does, at its start) and seals. */
async function finishRun(folder: Folder, run: RunModel): Promise<{ reports: Timing; keyAndSeal?: Timing }> {
  let keyAndSeal: Timing | undefined;
  recordArtifactDigests(folder.side === 'evidence');
  try {
    const reports = await timed(async () => {
      if (folder.side === 'baseline') return writeReports(folder.runDir, run);
      let signer!: ManifestSigner;
      const key = await timed(async () => {
        signer = await resolveSigner(undefined, { stateDir: STATE_DIR, labName: 'bench' });
      });
      await writeReports(folder.runDir, run, { fingerprint: signer.fingerprint, publicKey: signer.publicKey });
      keyAndSeal = sum(key, await timed(() => sealRun(folder.runDir, run, { signer, argv: ['run', 'bench'], version: 'bench' })));
    });
    return { reports, ...(keyAndSeal && { keyAndSeal }) };
  } finally {
    recordArtifactDigests(true);
  }
}

const sum = (a: Timing, b: Timing): Timing => ({ wallMs: a.wallMs + b.wallMs, cpuMs: a.cpuMs + b.cpuMs });
const half = (t: Timing): Timing => ({ wallMs: t.wallMs / 2, cpuMs: t.cpuMs / 2 });

/**
 * One round: both sides' event logs one after the other, then both sides'
 * report phases, so each pair is measured seconds apart; `first` says which
 * side goes first in both phases. `reports` includes the key and the seal,
 * and is the mean of two report phases (the second rewrites the same files).
 */
async function round(run: RunModel, bodies: readonly RunEventBody[], first: Side, inspect?: (folder: Folder) => Promise<void>): Promise<Record<Side, RunEnd>> {
  const order: Side[] = first === 'baseline' ? ['baseline', 'evidence'] : ['evidence', 'baseline'];
  const folders = Object.fromEntries(order.map((side) => [side, { side, root: mkdtempSync(join(tmpdir(), `chaoslab-evidence-bench-${side}-`)), runDir: '' }])) as Record<Side, Folder>;
  try {
    const events = {} as Record<Side, Timing>;
    const finished = {} as Record<Side, { reports: Timing; keyAndSeal?: Timing }>;
    for (const side of order) {
      collectGarbage();
      events[side] = await writeEvents(folders[side], run, bodies);
    }
    // the report phase twice, in the order A B B A: the 5 % it is held to is smaller than the drift between two phases seconds apart on a shared machine
    for (const side of [...order, ...[...order].reverse()]) {
      collectGarbage();
      const again = await finishRun(folders[side], run);
      const before = finished[side];
      finished[side] = before ? { reports: sum(before.reports, again.reports), ...(again.keyAndSeal && { keyAndSeal: sum(before.keyAndSeal!, again.keyAndSeal) }) } : again;
    }
    if (inspect) await inspect(folders.evidence);
    const result = (side: Side): RunEnd => {
      const reports = half(finished[side].reports);
      const keyAndSeal = finished[side].keyAndSeal && half(finished[side].keyAndSeal);
      return { total: sum(events[side], reports), events: events[side], reports, ...(keyAndSeal && { keyAndSeal }) };
    };
    return { baseline: result('baseline'), evidence: result('evidence') };
  } finally {
    for (const folder of Object.values(folders)) rmSync(folder.root, { recursive: true, force: true });
  }
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

interface Facts { sizes: string; recorded: string; reportFloor: Timing; lineFloor: Timing; logFloor: Timing }

/**
 * Checks the sealed folder (untimed): it verifies, and the seal had a recorded
 * digest for every file it was meant to. Then measures the SHA-256 work each
 * phase cannot do without, with nothing around it: (a) every byte of run.json
 * and the reports; (b) one hash per event line (as the writer hashes it) and
 * every byte of the log.
 */
async function inspectSealed(folder: Folder, facts: Partial<Facts>): Promise<void> {
  const verified = await verifyFolder(folder.runDir);
  if (verified.problems.length) throw new Error(`the sealed folder does not verify: ${verified.problems[0]}`);
  const files = await listFiles(folder.runDir);
  const recorded = await Promise.all(files.map(async (file) => ((await writtenDigest(join(folder.runDir, file))) ? file : undefined)));
  const unrecorded = files.filter((file) => !recorded.includes(file));
  facts.recorded = `${files.length - unrecorded.length} of ${files.length} files${unrecorded.length ? ` (read from disk: ${unrecorded.join(', ')})` : ''}`;
  facts.sizes = ['events.jsonl', ...REPORT_FILES].map((f) => `${f} ${(statSync(join(folder.runDir, f)).size / 1024 / 1024).toFixed(1)} MB`).join(', ');
  // the bytes in memory and hashed once untimed: a first pass over freshly read memory costs several times the hashing
  const hashFiles = async (names: readonly string[]) => {
    const bytes = names.map((name) => readFileSync(join(folder.runDir, name)));
    for (const piece of bytes) sha256Hex(piece);
    return timed(() => {
      for (const piece of bytes) sha256Hex(piece);
    });
  };
  collectGarbage();
  facts.reportFloor = await hashFiles(REPORT_FILES);
  const lines = readFileSync(join(folder.runDir, 'events.jsonl'), 'utf8').split('\n').slice(0, -1);
  collectGarbage();
  facts.lineFloor = await timed(() => {
    for (const line of lines) sha256Hex(line);
  });
  facts.logFloor = await hashFiles(['events.jsonl']);
}

type Pick = (end: RunEnd) => Timing;
const PHASES: { name: string; pick: Pick }[] = [
  { name: '(a) report phase', pick: (end) => end.reports },
  { name: '(b) event log', pick: (end) => end.events },
  { name: '(c) run end', pick: (end) => end.total },
];

async function main(): Promise<void> {
  console.log(`evidence-overhead: start, ${uptime()}`);
  const run = syntheticRun({ attempts: ATTEMPTS, hosts: HOSTS, repeats: 2 });
  const bodies = modelToEvents(run).map(bodyOf);
  // warm-up at a tenth of the size: the JIT compiles both paths before anything is counted
  const small = syntheticRun({ attempts: Math.max(1, Math.round(ATTEMPTS / 10)), hosts: HOSTS, repeats: 2 });
  await round(small, modelToEvents(small).map(bodyOf), 'baseline');

  const facts: Partial<Facts> = {};
  const rounds: Record<Side, RunEnd>[] = [];
  for (let index = 0; index < ROUNDS; index += 1) {
    const first: Side = index % 2 ? 'evidence' : 'baseline';
    const result = await round(run, bodies, first, index === 0 ? (folder) => inspectSealed(folder, facts) : undefined);
    rounds.push(result);
    const ratios = PHASES.map(({ name, pick }) => `${name.slice(0, 3)} ${pct(pick(result.evidence).cpuMs / pick(result.baseline).cpuMs)}`).join(', ');
    console.log(`  round ${index + 1} (${first} first): evidence adds ${ratios} cpu`);
  }

  const medianOf = (pick: (r: Record<Side, RunEnd>) => number) => median(rounds.map(pick));
  const row = (label: string, pick: (r: Record<Side, RunEnd>) => Timing | undefined) => {
    const present = rounds.map(pick).filter((t): t is Timing => t !== undefined);
    console.log(`    ${label.padEnd(58)} ${median(present.map((t) => t.cpuMs)).toFixed(0).padStart(6)} ms cpu ${median(present.map((t) => t.wallMs)).toFixed(0).padStart(6)} ms wall`);
  };
  const ratio = (pick: Pick) => medianOf((r) => pick(r.evidence).cpuMs / pick(r.baseline).cpuMs);
  const wallRatio = (pick: Pick) => medianOf((r) => pick(r.evidence).wallMs / pick(r.baseline).wallMs);
  const baselineCpu = (pick: Pick) => medianOf((r) => pick(r.baseline).cpuMs);

  console.log(`evidence-overhead: ${ATTEMPTS} attempts over ${HOSTS} hosts, ${bodies.length} events; ${facts.sizes}`);
  console.log(`  medians of ${ROUNDS} rounds (baseline and evidence alternating phase by phase in one process${(globalThis as { gc?: unknown }).gc ? ', gc before each' : ''}); the seal had recorded digests for ${facts.recorded}`);

  const reports = PHASES[0]!.pick;
  const reportRatio = ratio(reports);
  const met = reportRatio - 1 <= TARGET_PCT / 100;
  console.log(`  (a) report phase, at the end of the run: the target applies here`);
  row('baseline: run.json + json/junit/md/html', (r) => r.baseline.reports);
  row('evidence: the same, digests recorded, + per-lab key + seal', (r) => r.evidence.reports);
  row('evidence: of which the key and the seal (check stats, sign)', (r) => r.evidence.keyAndSeal);
  const share = (ms: number) => `${((ms / baselineCpu(reports)) * 100).toFixed(1)} % of the baseline`;
  console.log(`    floor: SHA-256 alone of run.json and the reports: ${facts.reportFloor!.cpuMs.toFixed(0)} ms cpu, ${share(facts.reportFloor!.cpuMs)}`);
  const byParts = facts.reportFloor!.cpuMs + medianOf((r) => r.evidence.keyAndSeal!.cpuMs);
  console.log(`    by its parts (floor + key + seal, each measured alone; steadier than the difference of two report phases): ${byParts.toFixed(0)} ms cpu, ${share(byParts)}`);
  console.log(`    hashing and signing add ${pct(reportRatio)} cpu (median of per-round ratios; ratio of the medians ${pct(medianOf((r) => r.evidence.reports.cpuMs) / baselineCpu(reports))}; ${pct(wallRatio(reports))} wall); target ≤ ${TARGET_PCT} % cpu: ${met ? 'PASS' : 'MISS'}`);

  const events = PHASES[1]!.pick;
  const perEventUs = medianOf((r) => ((r.evidence.events.cpuMs - r.baseline.events.cpuMs) * 1000) / bodies.length);
  console.log(`  (b) event log, written during the run: the chain (\`prev\` on every line) and the log's digest for the seal`);
  row('baseline: events.jsonl, unchained', (r) => r.baseline.events);
  row('evidence: events.jsonl, chained and digested', (r) => r.evidence.events);
  const { lineFloor, logFloor } = facts as Facts;
  const floor = lineFloor.cpuMs + logFloor.cpuMs;
  console.log(`    floor: SHA-256 alone of every line (the chain, ${lineFloor.cpuMs.toFixed(0)} ms) and of the whole log (its digest, ${logFloor.cpuMs.toFixed(0)} ms): ${floor.toFixed(0)} ms cpu, ${((floor / baselineCpu(events)) * 100).toFixed(1)} % of the writer's own cost`);
  console.log(`    the chain and the log's digest add ${perEventUs.toFixed(2)} µs cpu per event, ${pct(ratio(events))} of the writer's own cost (${pct(wallRatio(events))} wall)`);

  const total = PHASES[2]!.pick;
  console.log(`  (c) whole run end, (a) + (b), for the record`);
  row('baseline: events + reports', (r) => r.baseline.total);
  row('evidence: events + reports', (r) => r.evidence.total);
  console.log(`    hashing and signing add ${pct(ratio(total))} cpu (${pct(wallRatio(total))} wall)`);
  console.log(`evidence-overhead: end, ${uptime()}`);
}

try {
  await main();
} finally {
  rmSync(STATE_DIR, { recursive: true, force: true });
}

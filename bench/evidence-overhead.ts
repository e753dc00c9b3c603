import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { systemClock } from '../harness/core/clock.js';
import { sha256Hex } from '../harness/evidence/chain.js';
import { digestFile } from '../harness/evidence/digest.js';
import { resolveSigner } from '../harness/evidence/keys.js';
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
 * What tamper evidence costs at report scale. One "run end" is the file work of
 * the synthetic 10,000-attempt run of bench/report-scale.ts: its events written
 * by the real EventWriter, run.json, and the json, junit, markdown and html
 * reporters. The evidence side does the same with the writer's hash chain on,
 * then loads the per-lab key and seals the folder (sealRun: hash every file,
 * sign manifest.json); the baseline side has the chain off and no seal.
 * Both sides run in one process, phase by phase (both logs, then both report
 * sets; which side goes first alternates by round), so load on a shared
 * machine hits them alike; the figure is the median over rounds of evidence
 * CPU / baseline CPU (user + sys); wall time is printed for the record.
 * It also prints the floor: SHA-256 alone of every event line and file byte.
 * Target: hashing and signing add ≤ 5 % CPU.
 *   npm run bench:evidence-overhead -- [attempts] [hosts] [rounds]
 */
const ATTEMPTS = Number(process.argv[2] ?? 10_000);
const HOSTS = Number(process.argv[3] ?? 200);
const ROUNDS = Number(process.argv[4] ?? 5);
const TARGET_PCT = 5;

interface Timing { wallMs: number; cpuMs: number }
type Side = 'baseline' | 'evidence';
interface RunEnd { total: Timing; events: Timing; reports: Timing; seal?: Timing }

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

async function writeReports(dir: string, run: RunModel, signing?: SigningFacts): Promise<void> {
  const context = { outputDir: dir, reportsRoot: dir, stdout: silent, history: [], ...(signing && { signing }) };
  await writeRunJson(dir, run);
  for (const name of ['json', 'junit', 'markdown', 'html'] as const) await reporterFactories[name](context).onRunEnd?.(run);
}

interface Folder { readonly side: Side; readonly root: string; runDir: string }

/** Phase 1 of a run end: the event log, written by the real writer, chained or not. */
function writeEvents(folder: Folder, run: RunModel, bodies: readonly RunEventBody[]): Promise<Timing> {
  return timed(() => {
    const writer = new EventWriter({ runId: run.runId, reportsRoot: folder.root, clock: systemClock, secrets: () => [], chained: folder.side === 'evidence' });
    for (const body of bodies) writer.emit(body);
    writer.close();
    folder.runDir = writer.runDir;
  });
}

/** Phase 2: run.json and the reports; the evidence side also resolves the per-lab key (every run does, at its start) and seals. */
async function finishRun(folder: Folder, run: RunModel): Promise<{ reports: Timing; seal?: Timing }> {
  let seal: Timing | undefined;
  const reports = await timed(async () => {
    if (folder.side === 'baseline') return writeReports(folder.runDir, run);
    const signer = await resolveSigner(undefined, { stateDir: folder.root, labName: 'bench' });
    await writeReports(folder.runDir, run, { fingerprint: signer.fingerprint, publicKey: signer.publicKey });
    seal = await timed(() => sealRun(folder.runDir, run, { signer, argv: ['run', 'bench'], version: 'bench' }));
  });
  return { reports, ...(seal && { seal }) };
}

const sum = (a: Timing, b: Timing): Timing => ({ wallMs: a.wallMs + b.wallMs, cpuMs: a.cpuMs + b.cpuMs });
const minus = (a: Timing, b: Timing): Timing => ({ wallMs: a.wallMs - b.wallMs, cpuMs: a.cpuMs - b.cpuMs });

/**
 * One round: both sides' event logs one after the other, then both sides'
 * reports, so each pair is measured seconds apart; `first` says which side
 * goes first in both phases.
 */
async function round(run: RunModel, bodies: readonly RunEventBody[], first: Side, inspect?: (folder: Folder) => Promise<void>): Promise<Record<Side, RunEnd>> {
  const order: Side[] = first === 'baseline' ? ['baseline', 'evidence'] : ['evidence', 'baseline'];
  const folders = Object.fromEntries(order.map((side) => [side, { side, root: mkdtempSync(join(tmpdir(), `chaoslab-evidence-bench-${side}-`)), runDir: '' }])) as Record<Side, Folder>;
  try {
    const events = {} as Record<Side, Timing>;
    const finished = {} as Record<Side, { reports: Timing; seal?: Timing }>;
    for (const side of order) {
      collectGarbage();
      events[side] = await writeEvents(folders[side], run, bodies);
    }
    for (const side of order) {
      collectGarbage();
      finished[side] = await finishRun(folders[side], run);
    }
    if (inspect) await inspect(folders.evidence);
    const result = (side: Side): RunEnd => {
      const { reports, seal } = finished[side];
      return { total: sum(events[side], reports), events: events[side], reports: seal ? minus(reports, seal) : reports, ...(seal && { seal }) };
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

interface Facts { sizes: string; floor: Timing }

/**
 * Checks the sealed folder (untimed) and measures the SHA-256 work that the
 * requirement itself asks for, with nothing around it: one hash per event line
 * (as the writer hashes it) and every byte of every file (as the seal reads it).
 */
async function inspectSealed(folder: Folder, facts: Partial<Facts>): Promise<void> {
  const verified = await verifyFolder(folder.runDir);
  if (verified.problems.length) throw new Error(`the sealed folder does not verify: ${verified.problems[0]}`);
  const files = await listFiles(folder.runDir);
  facts.sizes = ['events.jsonl', 'run.json', 'report.json', 'junit.xml', 'index.html'].map((f) => `${f} ${(statSync(join(folder.runDir, f)).size / 1024 / 1024).toFixed(1)} MB`).join(', ');
  const lines = readFileSync(join(folder.runDir, 'events.jsonl'), 'utf8').split('\n').slice(0, -1);
  collectGarbage();
  const perLine = await timed(() => {
    for (const line of lines) sha256Hex(line);
  });
  const perFile = await timed(async () => {
    for (const file of files) await digestFile(join(folder.runDir, file));
  });
  facts.floor = sum(perLine, perFile);
}

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
    const { baseline, evidence } = result;
    console.log(`  round ${index + 1} (${first} first): baseline ${baseline.total.cpuMs.toFixed(0)} ms cpu, evidence ${evidence.total.cpuMs.toFixed(0)} ms cpu: ${pct(evidence.total.cpuMs / baseline.total.cpuMs)} cpu, ${pct(evidence.total.wallMs / baseline.total.wallMs)} wall`);
  }

  const cpuRatio = median(rounds.map((r) => r.evidence.total.cpuMs / r.baseline.total.cpuMs));
  const wallRatio = median(rounds.map((r) => r.evidence.total.wallMs / r.baseline.total.wallMs));
  const row = (label: string, timings: readonly (Timing | undefined)[]) => {
    const present = timings.filter((t): t is Timing => t !== undefined);
    console.log(`  ${label.padEnd(46)} ${median(present.map((t) => t.cpuMs)).toFixed(0).padStart(6)} ms cpu ${median(present.map((t) => t.wallMs)).toFixed(0).padStart(6)} ms wall`);
  };
  const baselineCpu = median(rounds.map((r) => r.baseline.total.cpuMs));
  console.log(`evidence-overhead: ${ATTEMPTS} attempts over ${HOSTS} hosts, ${bodies.length} events; ${facts.sizes}`);
  console.log(`  medians of ${ROUNDS} rounds (baseline and evidence alternating phase by phase in one process${(globalThis as { gc?: unknown }).gc ? ', gc before each' : ''}):`);
  row('baseline: events.jsonl, unchained', rounds.map((r) => r.baseline.events));
  row('evidence: events.jsonl, chained', rounds.map((r) => r.evidence.events));
  row('baseline: run.json + json/junit/md/html', rounds.map((r) => r.baseline.reports));
  row('evidence: the same + per-lab key', rounds.map((r) => r.evidence.reports));
  row('evidence: seal (hash every file, sign)', rounds.map((r) => r.evidence.seal));
  row('baseline: run end, total', rounds.map((r) => r.baseline.total));
  row('evidence: run end, total', rounds.map((r) => r.evidence.total));
  const chainRatio = median(rounds.map((r) => r.evidence.events.cpuMs / r.baseline.events.cpuMs));
  const sealShare = median(rounds.map((r) => r.evidence.seal!.cpuMs / r.baseline.reports.cpuMs));
  console.log(`  by part: the chain adds ${pct(chainRatio)} cpu to writing the events; key + seal add ${pct(1 + sealShare)} cpu to run.json + reports`);
  console.log(`  floor: SHA-256 alone of every event line and every file byte: ${facts.floor!.cpuMs.toFixed(0)} ms cpu, ${((facts.floor!.cpuMs / baselineCpu) * 100).toFixed(1)} % of the baseline`);
  const met = cpuRatio - 1 <= TARGET_PCT / 100;
  const ofMedians = median(rounds.map((r) => r.evidence.total.cpuMs)) / baselineCpu;
  console.log(`  hashing and signing add ${pct(cpuRatio)} cpu (median of per-round ratios; ratio of the median totals ${pct(ofMedians)}; ${pct(wallRatio)} wall); target ≤ ${TARGET_PCT} % cpu: ${met ? 'PASS' : 'MISS'}`);
  console.log(`evidence-overhead: end, ${uptime()}`);
}

await main();

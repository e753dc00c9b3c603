import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../harness/core/clock.js';
import { ChainHead } from '../harness/evidence/chain.js';
import { fingerprintOf, publicKeyBase64, type ManifestSigner } from '../harness/evidence/keys.js';
import { writeManifest } from '../harness/evidence/manifest.js';
import { verifyFolder } from '../harness/evidence/verify.js';
import { EventWriter } from '../harness/events/writer.js';
import type { RunEvent, RunEventBody } from '../harness/model/events.js';
import type { RunModel } from '../harness/model/run-model.js';
import { renderHtml } from '../reporters/html.js';
import { createJsonReporter } from '../reporters/json.js';
import { renderJunit } from '../reporters/junit.js';
import { renderMarkdown } from '../reporters/markdown.js';
import { syntheticRun } from '../test/fixtures/runs/synthetic.js';
import { modelToEvents } from '../test/fixtures/runs/to-events.js';

/**
 * What tamper evidence costs at report scale: the synthetic 10,000-attempt run
 * of bench/report-scale.ts, written as events.jsonl and rendered by the json,
 * junit, markdown and html reporters (the work a run's end does), against
 * (a) the hash chain — a SHA-256 per event line as the writer appends it — and
 * (b) sealing: hashing every file of the folder and signing manifest.json.
 * Target: (a) + (b) ≤ 5 % of writing the events plus rendering the reports.
 *   node --import tsx bench/evidence-overhead.ts [attempts] [hosts] [rounds]
 */
const ATTEMPTS = Number(process.argv[2] ?? 10_000);
const HOSTS = Number(process.argv[3] ?? 200);
const ROUNDS = Number(process.argv[4] ?? 3);

interface Timing { ms: number; cpuMs: number }

async function timed(work: () => unknown): Promise<Timing> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

const bodyOf = (event: RunEvent): RunEventBody => {
  const { v: _v, seq: _seq, ts: _ts, mono: _mono, runId: _runId, ...body } = event;
  return body as RunEventBody;
};

/** The writer's own work per event, without the chain: envelope, JSON, one write. */
function writePlain(path: string, runId: string, bodies: readonly RunEventBody[]): void {
  const fd = openSync(path, 'a');
  bodies.forEach((body, index) => writeSync(fd, `${JSON.stringify({ v: 1, seq: index + 1, ts: Date.now(), mono: index, runId, ...body })}\n`));
  closeSync(fd);
}

/** The same, chained: what the event writer adds is `prev` and one SHA-256 per line. */
function writeChained(path: string, runId: string, bodies: readonly RunEventBody[]): void {
  const fd = openSync(path, 'a');
  const chain = new ChainHead(runId);
  bodies.forEach((body, index) => {
    const line = JSON.stringify({ v: 1, seq: index + 1, ts: Date.now(), mono: index, runId, ...body, prev: chain.prev });
    writeSync(fd, `${line}\n`);
    chain.link(line);
  });
  closeSync(fd);
}

async function renderReports(dir: string, run: RunModel): Promise<void> {
  await createJsonReporter({ outputDir: dir, reportsRoot: dir, stdout: process.stdout }).onRunEnd?.(run);
  writeFileSync(join(dir, 'junit.xml'), renderJunit(run, []));
  writeFileSync(join(dir, 'summary.md'), renderMarkdown(run, { history: [] }));
  writeFileSync(join(dir, 'index.html'), renderHtml(run, {}));
}

function testSigner(): ManifestSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: publicKeyBase64(publicKey), fingerprint: fingerprintOf(publicKey), origin: 'a bench key', created: false };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const run = syntheticRun({ attempts: ATTEMPTS, hosts: HOSTS, repeats: 2 });
  const bodies = modelToEvents(run).map(bodyOf);
  const signer = testSigner();
  const rows: Record<string, Timing[]> = { plain: [], chained: [], writer: [], reports: [], seal: [], verify: [] };
  let sizes = '';
  for (let round = 0; round < ROUNDS; round += 1) {
    const root = mkdtempSync(join(tmpdir(), 'chaoslab-evidence-bench-'));
    try {
      const dir = join(root, run.runId);
      rows.plain!.push(await timed(() => writePlain(join(root, 'plain.jsonl'), run.runId, bodies)));
      rows.chained!.push(await timed(() => writeChained(join(root, 'chained.jsonl'), run.runId, bodies)));
      // the real writer, for the record: it also redacts and feeds listeners
      rows.writer!.push(await timed(() => {
        const writer = new EventWriter({ runId: run.runId, reportsRoot: root, clock: systemClock, secrets: () => [] });
        for (const body of bodies) writer.emit(body);
        writer.close();
      }));
      rows.reports!.push(await timed(() => renderReports(dir, run)));
      rows.seal!.push(await timed(() => writeManifest(dir, { kind: 'run', runId: run.runId, status: run.status, argv: ['bench'], version: 'bench', logs: ['events.jsonl'], signer })));
      const verified = await verifyFolder(dir);
      if (verified.problems.length) throw new Error(`the sealed folder does not verify: ${verified.problems[0]}`);
      rows.verify!.push(await timed(() => verifyFolder(dir)));
      sizes = ['events.jsonl', 'report.json', 'junit.xml', 'index.html'].map((f) => `${f} ${(statSync(join(dir, f)).size / 1024 / 1024).toFixed(1)} MB`).join(', ');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  const cpu = (key: string) => median(rows[key]!.map((t) => t.cpuMs));
  const wall = (key: string) => median(rows[key]!.map((t) => t.ms));
  const chainCpu = Math.max(0, cpu('chained') - cpu('plain'));
  const chainWall = Math.max(0, wall('chained') - wall('plain'));
  const baseCpu = cpu('plain') + cpu('reports');
  const baseWall = wall('plain') + wall('reports');
  console.log(`evidence-overhead: ${ATTEMPTS} attempts over ${HOSTS} hosts, ${bodies.length} events; median of ${ROUNDS} rounds; ${sizes}`);
  for (const [label, key] of [['events.jsonl, unchained', 'plain'], ['events.jsonl, chained', 'chained'], ['EventWriter (chained, redacting)', 'writer'], ['reports json+junit+markdown+html', 'reports'], ['seal: hash files + sign manifest', 'seal'], ['verify (chain, files, signature)', 'verify']] as const) {
    console.log(`  ${label.padEnd(36)} ${wall(key).toFixed(0).padStart(6)} ms wall ${cpu(key).toFixed(0).padStart(6)} ms cpu`);
  }
  const pctCpu = ((chainCpu + cpu('seal')) / baseCpu) * 100;
  const pctWall = ((chainWall + wall('seal')) / baseWall) * 100;
  console.log(`  chain ${chainCpu.toFixed(0)} ms cpu + seal ${cpu('seal').toFixed(0)} ms cpu over events+reports ${baseCpu.toFixed(0)} ms cpu: +${pctCpu.toFixed(1)} % cpu (+${pctWall.toFixed(1)} % wall); target ≤ 5 %: ${pctCpu <= 5 ? 'met' : 'MISSED'}`);
  console.log(`  load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
}

await main();

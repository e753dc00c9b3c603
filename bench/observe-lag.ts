/**
 * Observe lag: the delay between the healer's own event timestamp (its claim
 * "healed") and the moment chaoslab's verdict for the attempt was settled,
 * with the streaming `log` observer tailing the healer's JSONL over a real
 * sshd. Baseline measured in the same run: how long the claim line alone took
 * to reach chaoslab (log tail delivery) — the rest is the engine's own cost
 * (correlation, the immediate ground-truth check, the verdict).
 *
 *   node --import tsx bench/observe-lag.ts [heals=60]
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEventLog } from '../harness/events/fold.js';
import { RevertJournal } from '../harness/journal/journal.js';
import { percentile } from '../harness/model/summary.js';
import { createEngineLab, runLabSession } from '../test/support/engine-lab.js';
import { startSshd } from '../test/support/sshd.js';

const heals = Math.max(50, Number(process.argv[2] ?? 60));
const TARGET_P95_MS = 250;

const sshd = await startSshd();
const lab = await createEngineLab(sshd, [{ id: 'lag', behaviour: 'heal', sla: '3s', window: '5s', hold: '0s', delayMs: 400 }]);
try {
  const started = performance.now();
  const result = await runLabSession(lab, { journal: new RevertJournal(join(lab.dir, 'journal')), reportsRoot: join(lab.dir, 'reports'), plan: { repeat: heals }, concurrency: 1 });
  const wallSeconds = (performance.now() - started) / 1000;
  const { events } = parseEventLog(await readFile(join(result.runDir, 'events.jsonl'), 'utf8'));

  const verdictLag: number[] = [];
  const deliveryLag: number[] = [];
  for (const attempt of result.model.attempts.filter((a) => a.verdict.kind === 'healed')) {
    const claim = attempt.signals.find((s) => s.kind === 'claimed_healed');
    const healerAt = (claim?.raw as { at?: number } | undefined)?.at;
    // the verdict is settled when the last observation phase ends (hold is 0: right after the restore is confirmed)
    const settled = events.filter((e) => e.type === 'phase' && e.attemptId === attempt.attemptId && e.status === 'end' && (e.phase === 'hold' || e.phase === 'observe')).at(-1);
    if (!claim || healerAt === undefined || !settled) continue;
    verdictLag.push(settled.ts - healerAt);
    deliveryLag.push(claim.receivedAt - claim.at);
  }
  const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(0)} ms`);
  const p = (values: number[], q: number) => percentile(values, q);
  const healed = verdictLag.length;
  console.log(`observe-lag: ${result.model.attempts.length} attempts in ${wallSeconds.toFixed(1)} s, ${healed} healed and measured (log observer over ssh, file healer)`);
  console.log(`  baseline — claim line delivered by the log tail: p50 ${fmt(p(deliveryLag, 50))}, p95 ${fmt(p(deliveryLag, 95))}`);
  console.log(`  healer event → chaoslab verdict:               p50 ${fmt(p(verdictLag, 50))}, p95 ${fmt(p(verdictLag, 95))}, max ${fmt(Math.max(...verdictLag))}`);
  const p95 = p(verdictLag, 95);
  const deliveryP95 = p(deliveryLag, 95);
  if (p95 !== undefined && deliveryP95 !== undefined && deliveryP95 > 0) console.log(`  ratio verdict/delivery p95: ${(p95 / deliveryP95).toFixed(2)}×`);
  console.log(`  target p95 ≤ ${TARGET_P95_MS} ms: ${p95 !== undefined && p95 <= TARGET_P95_MS ? 'met' : 'NOT met'} (${fmt(p95)})`);
  const others = new Map<string, number>();
  for (const a of result.model.attempts.filter((x) => x.verdict.kind !== 'healed')) {
    const key = a.verdict.kind === 'inconclusive' ? `inconclusive ${a.verdict.reason}: ${a.verdict.detail.slice(0, 120)}` : a.verdict.kind;
    others.set(key, (others.get(key) ?? 0) + 1);
  }
  for (const [key, count] of others) console.log(`  not measured: ${count}× ${key}`);
  if (healed < 50) console.log(`  warning: only ${healed} heals measured; run with more heals (argument) on a quieter machine`);
} finally {
  await lab[Symbol.asyncDispose]();
  await sshd[Symbol.asyncDispose]();
}

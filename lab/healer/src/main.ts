import { hostname } from 'node:os';
import { EventLog } from './events.js';
import { startHttpApi } from './http.js';
import { loadRules, parseDurationMs, RuleError } from './rules.js';
import { Scanner } from './scanner.js';

/**
 * chaoslab's reference healer: a small self-healing agent that runs inside each
 * lab host. Configured by environment (the lab image's init script sets these):
 *   HEALER_RULES      rules file        (/etc/chaoslab-healer/rules.yaml)
 *   HEALER_INTERVAL   scan interval     (5s)
 *   HEALER_RESCAN     rescan after drift (2s)
 *   HEALER_EVENTS     JSONL event log   (/var/log/chaoslab-healer/events.jsonl)
 *   HEALER_PORT       HTTP API port     (7070)
 *   HEALER_HOST       host name in events (the machine's hostname)
 */
async function main(): Promise<void> {
  const env = process.env;
  const rulesFile = env.HEALER_RULES ?? '/etc/chaoslab-healer/rules.yaml';
  const intervalMs = parseDurationMs(env.HEALER_INTERVAL ?? '5s', 'HEALER_INTERVAL');
  const rescanAfterDriftMs = parseDurationMs(env.HEALER_RESCAN ?? '2s', 'HEALER_RESCAN');
  const host = env.HEALER_HOST ?? hostname();
  const ruleSet = loadRules(rulesFile);
  const log = new EventLog(env.HEALER_EVENTS ?? '/var/log/chaoslab-healer/events.jsonl', host);
  const scanner = new Scanner(ruleSet, log, { intervalMs, rescanAfterDriftMs });
  const port = Number(env.HEALER_PORT ?? 7070);
  const server = await startHttpApi(log, { host, rules: ruleSet.rules.length, intervalMs, scan: () => scanner.summary() }, port);
  scanner.start();
  process.stdout.write(`healer: ${ruleSet.rules.length} rules from ${rulesFile}, scanning every ${intervalMs}ms, API on :${port}\n`);
  const shutdown = () => {
    scanner.stop();
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`healer: ${error instanceof RuleError ? error.message : String(error)}\n`);
  process.exit(1);
});

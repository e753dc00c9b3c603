/**
 * The fleet benchmark's healing agents, all in one process outside the
 * controller: one FileHealer (test/support/file-healer.ts) per host, each
 * watching that host's state files and appending JSONL claims to that host's
 * own log, which chaoslab's `log` observer tails over the host's sshd. One
 * process instead of a hundred keeps the machine's CPU for what is measured.
 *
 *   node --import tsx bench/fleet-healer.ts <config.json>   (a JSON array of HealerConfig)
 */
import { readFileSync } from 'node:fs';
import { FileHealer, type HealerConfig } from '../test/support/file-healer.js';

const configs = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as HealerConfig[];
const healers = configs.map((config) => new FileHealer(config));
for (const healer of healers) healer.start();
process.stdout.write('ready\n');
const stop = () => {
  for (const healer of healers) healer.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

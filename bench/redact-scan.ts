/**
 * Cost of redaction with a fleet's secrets: a hundred Ed25519 private keys (PEM,
 * three lines each) in all their encoded forms. Prints the number of needles,
 * the time to build their index once, and the CPU time per MB of text scanned,
 * for one-line and multi-line text of growing size: the scan must stay one
 * indexed pass (the same µs per KB at every size), never quadratic.
 *
 *   node --import tsx bench/redact-scan.ts [module=../harness/core/redact.js]
 *
 * `module` may be another checkout's redact.ts, to compare with it on the same machine.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Redact = (text: string, secrets?: readonly string[]) => string;
const modulePath = process.argv[2] ? pathToFileURL(resolve(process.argv[2])).href : '../harness/core/redact.js';
const { redact } = (await import(modulePath)) as { redact: Redact };

const keys = Array.from({ length: 100 }, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

let started = cpuMs();
redact('warm-up builds the index', keys);
console.log(`index of 100 keys' needles built in ${(cpuMs() - started).toFixed(0)} ms CPU`);
// a lab resolving its secrets one by one while output is redacted: the index is rebuilt after each new one
started = cpuMs();
for (let n = 1; n <= keys.length; n += 1) redact('output between two secrets', keys.slice(0, n));
console.log(`index rebuilt after each of the 100 keys, one at a time: ${(cpuMs() - started).toFixed(0)} ms CPU in all`);

/** Output-like text: printable words, with a newline every 80 characters when `lines`. */
function text(bytes: number, lines: boolean): string {
  const words = randomBytes(bytes).toString('base64').replace(/[+/=]/g, ' ');
  return lines ? words.replace(/(.{79})/g, '$1\n') : words;
}

for (const lines of [false, true]) {
  for (const kb of [4, 64, 1024]) {
    const sample = text(kb * 1024, lines);
    const rounds = Math.max(1, Math.round(4096 / kb));
    started = cpuMs();
    for (let i = 0; i < rounds; i += 1) redact(sample, keys);
    const perKb = ((cpuMs() - started) * 1000) / (rounds * kb);
    console.log(`${lines ? 'multi-line' : 'one line  '} ${String(kb).padStart(5)} KB: ${perKb.toFixed(1)} µs CPU per KB (${rounds} rounds)`);
  }
}
// the CLI's streams: every write is a piece of a stream whose end may be held back
const { StreamRedactor } = (await import(modulePath)) as { StreamRedactor?: new (secrets: () => readonly string[]) => { push(piece: string): string } };
if (StreamRedactor) {
  const stream = new StreamRedactor(() => keys);
  const line = `${text(79, false)}\n`;
  started = cpuMs();
  for (let i = 0; i < 10_000; i += 1) stream.push(line);
  console.log(`stream: ${(((cpuMs() - started) * 1000) / 10_000).toFixed(1)} µs CPU per 80-character write`);
}
console.log(`uptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);

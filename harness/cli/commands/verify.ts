import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ChaoslabError, errorMessage } from '../../core/errors.js';
import { fingerprintOf, parsePublicKey } from '../../evidence/keys.js';
import { verifyFolder } from '../../evidence/verify.js';
import { resolveRunFile } from '../../history/runs.js';
import { action } from '../action.js';
import { ExitCode, type ExitCodeValue } from '../../core/exit-codes.js';

/**
 * `chaoslab verify <run>`: is this run folder what chaoslab sealed? Exit 0
 * intact, 1 naming the first broken event or file, 2 on usage errors.
 */
interface VerifyOptions {
  publicKey?: string;
  reports: string;
}

/** `--public-key`: a fingerprint (`SHA256:…`, as the HTML scorecard shows it), `file:` or `env:` with the key, or the key itself (PEM or base64). */
async function expectedFingerprint(ref: string): Promise<string> {
  if (/^SHA256:[A-Za-z0-9+/]{43}$/.test(ref)) return ref;
  let text = ref;
  if (ref.startsWith('file:')) {
    try {
      text = await readFile(resolve(ref.slice(5)), 'utf8');
    } catch (error) {
      throw new ChaoslabError('CHAOSLAB_USAGE', `--public-key ${ref}: cannot read it (${errorMessage(error)})`);
    }
  } else if (ref.startsWith('env:')) {
    const value = process.env[ref.slice(4)];
    if (!value) throw new ChaoslabError('CHAOSLAB_USAGE', `--public-key ${ref}: environment variable ${ref.slice(4)} is not set`);
    text = value;
  }
  return fingerprintOf(parsePublicKey(text, `--public-key ${ref.startsWith('file:') || ref.startsWith('env:') ? ref : '(given)'}`));
}

function runFolder(ref: string | undefined, reportsRoot: string): string {
  // a folder is verified as it is, even when tampering removed the files that make it look like a run
  if (ref !== undefined && existsSync(ref) && statSync(ref).isDirectory()) return resolve(ref);
  return resolveRunFile(ref, reportsRoot).dir;
}

async function verifyCommand(ref: string | undefined, options: VerifyOptions): Promise<ExitCodeValue> {
  const pin = options.publicKey !== undefined ? await expectedFingerprint(options.publicKey) : undefined;
  const dir = runFolder(ref, resolve(options.reports));
  const result = await verifyFolder(dir, { ...(pin && { pin }) });
  if (!result.problems.length) {
    process.stdout.write(`verified ${dir}: ${result.summary}\n`);
    return ExitCode.ok;
  }
  const [first, ...rest] = result.problems;
  process.stdout.write(`FAILED ${dir}: ${first}\n${rest.map((p) => `  also: ${p}\n`).join('')}`);
  return ExitCode.expectationFailed;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description('Check that a run folder is what chaoslab sealed: the manifest\'s Ed25519 signature, the hash chain of every event log, every file\'s size and SHA-256, and the manifests it was made from. Exit 0 intact, 1 naming the first broken event or file, 2 usage error.')
    .argument('[run]', 'run folder, or run id under --reports (default: reports/latest)')
    .option('--public-key <key>', 'the key that must have signed it: a fingerprint SHA256:… (shown in the HTML scorecard), file:<pem>, env:<NAME>, or the key (PEM or base64)')
    .option('--reports <dir>', 'reports folder (run ids, latest)', 'reports')
    .action(action((ref: string | undefined, options: VerifyOptions) => verifyCommand(ref, options)));
}

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { fingerprintFromRef } from '../../evidence/keys.js';
import { verifyFolder } from '../../evidence/verify.js';
import { resolveRunFile } from '../../history/runs.js';
import { action } from '../action.js';
import { ExitCode, type ExitCodeValue } from '../../core/exit-codes.js';

/**
 * `chaoslab verify <run>`: is this run folder what chaoslab sealed, and who
 * signed it? Exit 0 intact, 1 naming the first broken event or file (or, with
 * --strict, no key pinned), 2 on usage errors.
 */
interface VerifyOptions {
  publicKey?: string[];
  strict?: boolean;
  reports: string;
}

function runFolder(ref: string | undefined, reportsRoot: string): string {
  // a folder is verified as it is, even when tampering removed the files that make it look like a run
  if (ref !== undefined && existsSync(ref) && statSync(ref).isDirectory()) return resolve(ref);
  return resolveRunFile(ref, reportsRoot).dir;
}

const UNPINNED = 'integrity only, signer not checked';

async function verifyCommand(ref: string | undefined, options: VerifyOptions): Promise<ExitCodeValue> {
  const pins = await Promise.all((options.publicKey ?? []).map((key) => fingerprintFromRef(key, '--public-key')));
  const dir = runFolder(ref, resolve(options.reports));
  const result = await verifyFolder(dir, { pins });
  // anyone can re-sign an edited folder with a key of their own: --strict accepts no answer that did not check whose it is
  const problems = [...result.problems, ...(options.strict && !pins.length ? [`${UNPINNED}: --strict needs --public-key <the key that must have signed it>`] : [])];
  if (!problems.length) {
    process.stdout.write(`verified ${dir}${pins.length ? '' : ` (${UNPINNED})`}: ${result.summary}\n`);
    return ExitCode.ok;
  }
  const [first, ...rest] = problems;
  process.stdout.write(`FAILED ${dir}: ${first}\n${rest.map((p) => `  also: ${p}\n`).join('')}`);
  return ExitCode.expectationFailed;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description('Check that a run folder is what chaoslab sealed: the manifest\'s Ed25519 signature, the folder\'s name, the hash chain of every event log, every file\'s size and SHA-256 (and nothing added: no extra file, link or temp file), and the manifests it was made from. Without --public-key only integrity is checked, not who signed. Exit 0 intact, 1 naming the first broken event or file, 2 usage error.')
    .argument('[run]', 'run folder, or run id under --reports (default: reports/latest)')
    .option('--public-key <key>', 'a key that must have signed it — the folder\'s manifest and every source manifest (repeatable: each must be signed by one of them): a fingerprint SHA256:… (shown in the HTML scorecard), file:<pem>, env:<NAME>, or the key (PEM or base64)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--strict', 'fail (exit 1) unless --public-key was given: integrity alone does not say who signed')
    .option('--reports <dir>', 'reports folder (run ids, latest)', 'reports')
    .action(action((ref: string | undefined, options: VerifyOptions) => verifyCommand(ref, options)));
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { renderJsonSchemas, writeJsonSchemas } from '../../config/json-schema.js';
import { action } from '../action.js';
import { ExitCode, type ExitCodeValue } from '../../core/exit-codes.js';

export const DEFAULT_SCHEMA_DIR = 'scenarios/schema';

/** Names of the committed schema files that differ from freshly generated ones. */
export async function staleSchemas(dir: string): Promise<string[]> {
  const stale: string[] = [];
  for (const [name, text] of Object.entries(renderJsonSchemas())) {
    const committed = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (committed !== text) stale.push(join(dir, name));
  }
  return stale;
}

async function runSchema(options: { out: string; check?: boolean }): Promise<ExitCodeValue> {
  if (options.check) {
    const stale = await staleSchemas(options.out);
    for (const path of stale) process.stderr.write(`${path} is out of date: run chaoslab schema --out ${options.out}\n`);
    return stale.length === 0 ? ExitCode.ok : ExitCode.usage;
  }
  for (const path of await writeJsonSchemas(options.out)) process.stdout.write(`wrote ${path}\n`);
  return ExitCode.ok;
}

export function register(program: Command): void {
  program
    .command('schema')
    .description('Write the JSON Schema of scenario, bundle, suite and lab files (for editors: # yaml-language-server: $schema=…).')
    .option('--out <dir>', 'folder to write into', DEFAULT_SCHEMA_DIR)
    .option('--check', 'write nothing; exit 2 if the files in --out are not what this version generates')
    .action(action((options: { out: string; check?: boolean }) => runSchema(options)));
}

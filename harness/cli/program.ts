import { existsSync, readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT_CODE_HELP, ExitCode } from '../core/exit-codes.js';
import { usageLine } from './usage.js';

/** The project's package.json: two folders up from the source (harness/cli/), three from the build (dist/harness/cli/). */
function packageJson(): string {
  const candidates = ['../../package.json', '../../../package.json'].map((path) => new URL(path, import.meta.url));
  const found = candidates.find((url) => existsSync(url));
  if (!found) throw new Error(`chaoslab: package.json not found (looked at ${candidates.map((url) => url.pathname).join(', ')})`);
  return readFileSync(found, 'utf8');
}

export const CHAOSLAB_VERSION: string = (JSON.parse(packageJson()) as { version: string }).version;

/** The root command. Usage errors exit 2 (commander's default would be 1, our "expectation failed"). */
export function createProgram(): Command {
  const program = new Command('chaoslab')
    .description('Chaos-engineering lab harness for self-healing infrastructure agents: inject drift, observe the healer, verify, revert, report.')
    .version(CHAOSLAB_VERSION)
    // Subcommands inherit this when they are created: every usage error has the same one-line form.
    .configureOutput({ outputError: (text, write) => write(usageLine(text.replace(/^error: /, ''))) })
    .addHelpText('after', `\n${EXIT_CODE_HELP}`)
    .exitOverride((error: CommanderError) => {
      const ok = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help';
      process.exit(ok ? ExitCode.ok : ExitCode.usage);
    });
  return program;
}


import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT_CODE_HELP, ExitCode } from '../core/exit-codes.js';
import { usageLine } from './usage.js';

export const CHAOSLAB_VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

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


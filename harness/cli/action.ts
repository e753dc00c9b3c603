import { Command } from 'commander';
import { ChaoslabError, ConfigError, formatIssue } from '../core/errors.js';
import { ExitCode, type ExitCodeValue } from '../core/exit-codes.js';
import { usageHint, usageLine } from './usage.js';

/**
 * Wraps a command's implementation: it returns an exit code; config errors are
 * printed one issue per line and exit 2; usage errors are one line and a hint to
 * the command's help, as commander's own are; unexpected errors exit 3 with the message.
 */
export function action<A extends unknown[]>(run: (...args: A) => Promise<ExitCodeValue>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = await run(...args);
    } catch (error) {
      process.exitCode = exitCodeForError(error);
      // commander passes the command itself as the last argument of an action
      const command = args.at(-1);
      if (error instanceof ChaoslabError && error.code === 'CHAOSLAB_USAGE' && command instanceof Command) {
        process.stderr.write(`${usageLine(error.message)}${usageHint(command)}\n`);
      } else process.stderr.write(`${errorText(error)}\n`);
    }
  };
}

export function exitCodeForError(error: unknown): ExitCodeValue {
  if (error instanceof ConfigError) return ExitCode.usage;
  if (error instanceof ChaoslabError) {
    if (error.code === 'CHAOSLAB_INTERRUPTED') return ExitCode.interrupted;
    if (error.code.startsWith('CHAOSLAB_') && error.code !== 'CHAOSLAB_LAB_ENGINE' && error.code !== 'CHAOSLAB_JOURNAL') return ExitCode.usage;
  }
  return ExitCode.labErrors;
}

export function errorText(error: unknown): string {
  if (error instanceof ConfigError) {
    const n = error.issues.length;
    return [`chaoslab: ${n} problem${n === 1 ? '' : 's'} found; nothing was run`, ...error.issues.map((i) => `  ${formatIssue(i)}`)].join('\n');
  }
  if (error instanceof ChaoslabError) return `chaoslab: ${error.code}: ${error.message}`;
  if (error instanceof Error) return `chaoslab: ${error.stack ?? error.message}`;
  return `chaoslab: ${String(error)}`;
}

import type { Command } from 'commander';

/**
 * A usage error is one line and a hint, never the whole help: the help hides the
 * mistake, and commander and our own checks (`--fail-on`, `--shard`, …) say it the same way.
 */
export function usageLine(message: string): string {
  return `chaoslab: usage: ${message.trim()}\n`;
}

export function usageHint(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return `hint: \`${names.join(' ')} --help\` lists every option`;
}

/** After every command is registered: each one's usage errors end with the hint to its own help. */
export function addUsageHints(command: Command): void {
  command.showHelpAfterError(usageHint(command));
  for (const sub of command.commands) addUsageHints(sub);
}

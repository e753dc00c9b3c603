import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { FAIL_ON_KINDS } from '../../harness/config/fail-on.js';
import { createProgram } from '../../harness/cli/program.js';
import { register as registerReport } from '../../harness/cli/commands/report.js';
import { register as registerRun } from '../../harness/cli/commands/run.js';
import { reporterFactories } from '../../reporters/registry.js';

/** `run --help` and `report --help` name every reporter and every --fail-on kind, read from the registries they document. */
function helpOf(name: string): string {
  const program = createProgram();
  registerRun(program);
  registerReport(program);
  const command = program.commands.find((c: Command) => c.name() === name);
  if (!command) throw new Error(`no ${name} command`);
  return command.helpInformation({ error: false }).replace(/\s+/g, ' ');
}

describe.each(['run', 'report'])('chaoslab %s --help', (name) => {
  const help = helpOf(name);
  it.each(Object.keys(reporterFactories))('names the reporter %s', (reporter) => {
    expect(help).toMatch(new RegExp(`--reporter <list>.*any of: [a-z, ]*\\b${reporter}\\b`));
  });
  it.each([...FAIL_ON_KINDS])('names the --fail-on kind %s', (kind) => {
    expect(help).toMatch(new RegExp(`--fail-on <\\w+>.*\\b${kind} \\(`));
  });
});

import type { Command } from 'commander';
import { DEFAULT_SCENARIO_PATHS, loadProject } from '../../config/load-project.js';
import { formatDuration } from '../../core/duration.js';
import { listFaults } from '../../faults/registry.js';
import { action } from '../action.js';
import { ExitCode, type ExitCodeValue } from '../../core/exit-codes.js';

export interface ListOptions {
  faults?: boolean;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => `  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd());
}

/** `chaoslab list`: scenarios, bundles and suites of the catalogue, and the built-in faults. */
export async function runList(paths: readonly string[], options: ListOptions): Promise<ExitCodeValue> {
  const lines: string[] = [];
  const faults = listFaults();
  if (!options.faults) {
    const { catalogue } = await loadProject({ scenarioPaths: paths });
    lines.push(`scenarios (${catalogue.scenarios.length})`);
    lines.push(
      ...table(
        catalogue.scenarios.map(({ config }) => [
          config.id,
          config.platform,
          `→ ${config.target}`,
          config.check_type,
          `sla ${formatDuration(config.sla)}/${formatDuration(config.window)}`,
          `expect ${config.expect.outcome}${config.expect.runbook ? ` ${config.expect.runbook}` : ''}`,
          config.fault ? config.fault.use : 'steps',
        ]),
      ),
    );
    lines.push('', `bundles (${catalogue.bundles.length})`);
    lines.push(...table(catalogue.bundles.map(({ config }) => [config.id, config.members.join(', ')])));
    lines.push('', `suites (${catalogue.suites.length})`);
    lines.push(...table(catalogue.suites.map(({ config }) => [config.id, config.include.join(' '), `repeat ${config.repeat}`])));
    lines.push('');
  }
  lines.push(`built-in faults (${faults.length})`);
  lines.push(...table(faults.map((f) => [f.name, f.platform, f.summary])));
  process.stdout.write(`${lines.join('\n')}\n`);
  return ExitCode.ok;
}

export function register(program: Command): void {
  program
    .command('list')
    .description('List scenarios, bundles, suites and the built-in faults')
    .argument('[paths...]', `scenario files or folders (default: ${DEFAULT_SCENARIO_PATHS.join(' ')})`)
    .option('--faults', 'only the built-in faults')
    .action(action((paths: string[], options: ListOptions) => runList(paths, options)));
}

import type { AttemptResult } from './run-model.js';

/**
 * "Copy rerun command": the run's own command line (recorded in run_started),
 * narrowed to one attempt's scenario, or its bundle (a member runs with its
 * bundle) and pinned to its host with `--host`. Options that widen or split
 * the plan are dropped; the lab, suite, output and gate options are kept.
 * Positional arguments that look like paths (a `/` or a YAML file) are kept as
 * scenario sources; the others were selectors and give way to the attempt's own.
 * An attempt that never had a lab host (skipped: no host fits) is not pinned.
 */
const WITH_VALUE = new Set(['--lab', '--suite', '--grep', '--repeat', '--concurrency', '--shard', '--reporter', '--out', '--baseline', '--min-heal-rate', '--fail-on', '--max-inconclusive', '--report-url', '--host']);
const DROPPED = new Set(['--grep', '--repeat', '--shard', '--all-hosts', '--dry-run', '--host']);

const isPath = (arg: string) => arg.includes('/') || /\.ya?ml$/i.test(arg);

/** POSIX shell quoting, only where needed. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `chaoslab run scenarios/ --lab lab.yaml` — the command without any selector. */
export function rerunBase(argv: readonly string[]): string {
  const kept: string[] = [];
  const [command, ...rest] = argv;
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i]!;
    const name = arg.startsWith('--') ? arg.split('=')[0]! : undefined;
    const takesValue = name !== undefined && WITH_VALUE.has(name) && !arg.includes('=');
    const value = takesValue ? rest[(i += 1)] : undefined;
    if (name === undefined) {
      if (isPath(arg)) kept.push(arg);
      continue;
    }
    if (DROPPED.has(name)) continue;
    kept.push(arg, ...(value !== undefined ? [value] : []));
  }
  return ['chaoslab', command ?? 'run', ...kept].map(shellQuote).join(' ');
}

/** What to select to run this attempt again: its bundle when it is a member, else its scenario. */
export function rerunSelector(attempt: Pick<AttemptResult, 'scenarioId' | 'bundleId'>): string {
  return attempt.bundleId ?? attempt.scenarioId;
}

/** `--host <name>` when the attempt ran on (or was planned for) a host of the lab, else nothing. */
export function rerunHostOption(attempt: Pick<AttemptResult, 'host'>, labHosts: readonly string[]): string {
  return labHosts.includes(attempt.host) ? ` --host ${shellQuote(attempt.host)}` : '';
}

export function rerunCommand(argv: readonly string[], attempt: Pick<AttemptResult, 'scenarioId' | 'bundleId' | 'host'>, labHosts: readonly string[]): string {
  return `${rerunBase(argv)}${rerunHostOption(attempt, labHosts)} ${shellQuote(rerunSelector(attempt))}`;
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { configErrorFor, loadLabFile } from '../../config/load-project.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { formatDoctorTable, runDoctor } from '../../engine/doctor.js';
import { LabHosts } from '../../lab/lab-hosts.js';
import { resolveInventory } from '../../lab/providers.js';
import { createObserver } from '../../observers/registry.js';
import { action } from '../action.js';
import { ExitCode, type ExitCodeValue } from '../../core/exit-codes.js';

export async function runDoctorCommand(options: { lab: string; json?: boolean }): Promise<ExitCodeValue> {
  const labFile = resolve(options.lab);
  const loaded = await loadLabFile(labFile);
  if (!loaded.lab || loaded.issues.length > 0) throw configErrorFor(loaded.issues);
  // doctor reaches the hosts `run` would: through the lab's provider
  await using hosts = await LabHosts.open(await resolveInventory(loaded.lab.config, labFile), labFile, { clock: systemClock, logger: silentLogger, source: loaded.lab.source });
  const evidenceDir = await mkdtemp(join(tmpdir(), 'chaoslab-doctor-'));
  try {
    const report = await runDoctor(hosts.lab, {
      clock: systemClock,
      logger: silentLogger,
      resolveSecret: hosts.resolveSecret,
      evidenceDir,
      transportFor: hosts.transportFor,
      observerFor: createObserver,
    });
    process.stdout.write(`${options.json ? JSON.stringify(report, null, 2) : formatDoctorTable(report)}\n`);
    return report.ok ? ExitCode.ok : ExitCode.labErrors;
  } finally {
    await rm(evidenceDir, { recursive: true, force: true });
  }
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('Check a lab without injecting anything: per host login, a trivial command, clock skew and protected services; every observer reachable. Exits 0 when all pass, 3 on lab problems, 2 on an invalid inventory.')
    .requiredOption('--lab <file>', 'lab inventory')
    .option('--json', 'print the checks as JSON instead of a table')
    .action(action((options: { lab: string; json?: boolean }) => runDoctorCommand(options)));
}

import type { Command } from 'commander';
import type { LabConfig } from '../../config/lab-schema.js';
import { configErrorFor, loadLabFile } from '../../config/load-project.js';
import { ChaoslabError } from '../../core/errors.js';
import { ContainerLabProvider } from '../../lab/container.js';
import { connectEngine, pingEngine } from '../../transport/container-engine.js';
import { ensureLabImage } from '../../lab/image.js';
import { healerPorts } from '../../lab/resolve.js';
import { labProviderFor } from '../../lab/providers.js';
import { action } from '../action.js';
import { ExitCode, type ExitCodeValue } from '../../core/exit-codes.js';

const DEFAULT_LAB = 'lab/embedded.yaml';

async function loadLab(file: string): Promise<LabConfig> {
  const { lab, issues } = await loadLabFile(file);
  if (!lab || issues.length) throw configErrorFor(issues);
  return lab.config;
}

const progress = (message: string) => process.stdout.write(`lab: ${message}\n`);

async function up(options: { lab: string }): Promise<ExitCodeValue> {
  const lab = await loadLab(options.lab);
  const started = Date.now();
  const resolved = await (await labProviderFor(lab, options.lab)).up(lab, { onProgress: progress });
  for (const host of resolved.hosts) {
    const where = host.transport.kind === 'ssh' ? `ssh root@127.0.0.1 -p ${host.transport.port}` : host.transport.kind;
    progress(`  ${host.name} [${host.roles.join(', ')}] ${where}`);
  }
  progress(`up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return ExitCode.ok;
}

async function down(options: { lab: string }): Promise<ExitCodeValue> {
  const lab = await loadLab(options.lab);
  await (await labProviderFor(lab, options.lab)).down(lab);
  progress(`lab ${lab.name} removed`);
  return ExitCode.ok;
}

async function status(options: { lab: string; json?: boolean }): Promise<ExitCodeValue> {
  const lab = await loadLab(options.lab);
  const states = await (await labProviderFor(lab, options.lab)).status(lab);
  if (options.json) process.stdout.write(`${JSON.stringify(states, null, 2)}\n`);
  else {
    for (const state of states) {
      const ports = state.ports ? ' ' + Object.entries(state.ports).map(([name, port]) => `${name}=127.0.0.1:${port}`).join(' ') : '';
      process.stdout.write(`${state.name.padEnd(16)} ${state.state.padEnd(10)}${ports}${state.detail ? `  ${state.detail}` : ''}\n`);
    }
  }
  const healthy = states.every((state) => state.state === 'running' || state.state === 'external');
  return healthy ? ExitCode.ok : ExitCode.labErrors;
}

async function build(options: { force?: boolean; source?: 'auto' | 'registry' | 'offline' }): Promise<ExitCodeValue> {
  const engine = connectEngine();
  progress(`engine: ${await pingEngine(engine)}`);
  const image = await ensureLabImage({ engine, onProgress: progress, force: options.force ?? false, source: options.source ?? 'auto' });
  progress(`${image.tag} ${image.built ? `built in ${(image.durationMs / 1000).toFixed(1)}s (base: ${image.baseSource})` : 'already up to date'}`);
  return ExitCode.ok;
}

async function logs(options: { lab: string; host?: string; lines: string }): Promise<ExitCodeValue> {
  const lab = await loadLab(options.lab);
  if (lab.provider !== 'container') throw new ChaoslabError('CHAOSLAB_USAGE', `lab ${lab.name} is static: read its machines' logs there`);
  const provider = new ContainerLabProvider();
  const hosts = options.host ? [options.host] : lab.hosts.map((host) => host.name);
  const unknown = hosts.filter((name) => !lab.hosts.some((host) => host.name === name));
  if (unknown.length) throw new ChaoslabError('CHAOSLAB_USAGE', `--host ${unknown.join(', ')}: not in ${options.lab} (hosts: ${lab.hosts.map((h) => h.name).join(', ')})`);
  const ports = await healerPorts(lab);
  for (const name of hosts) {
    process.stdout.write(`===== ${name} (healer API http://127.0.0.1:${ports[name] ?? '?'}/health) =====\n`);
    process.stdout.write(await provider.logs(lab, name, Number(options.lines)));
  }
  return ExitCode.ok;
}

export function register(program: Command): void {
  const lab = program
    .command('lab')
    .description('Manage a container lab (or check a static one): up, down, status, build, logs. The inventory chooses the healing stack ' +
      '(`healer:` per lab or host): lab/embedded.yaml runs the reference healer, lab/cfengine.yaml CFEngine 3.21, lab/puppet.yaml Puppet 7.23.');
  const labOption = ['--lab <file>', 'lab inventory (lab/embedded.yaml, lab/cfengine.yaml, lab/puppet.yaml or your own)', DEFAULT_LAB] as const;
  lab.command('up').description('Build the lab image if needed, (re)create the lab hosts, write lab/.state/<lab>/inventory.yaml').option(...labOption).action(action(up));
  lab.command('down').description('Remove every container and network of the lab (by label) and its state').option(...labOption).action(action(down));
  lab.command('status').description('Show each host: running, stopped, missing or unhealthy, with published ports; exits 3 unless all are running').option(...labOption).option('--json', 'machine-readable').action(action(status));
  lab
    .command('build')
    .description('Build the lab host image when its inputs changed (registry when reachable, else debootstrap offline)')
    .option('--force', 'rebuild the image layer even when its tag exists')
    .option('--source <source>', 'auto | registry | offline', 'auto')
    .action(action(build));
  lab.command('logs').description('Print the init log and the healing stack\'s logs of lab hosts (reference healer, cf-agent or puppet apply)').option(...labOption).option('--host <name>', 'one host only').option('--lines <n>', 'lines per log', '50').action(action(logs));
}

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { HostConfig, LabConfig } from '../config/lab-schema.js';
import { ChaoslabError } from '../core/errors.js';
import { connectEngine, listContainers, type Engine } from '../transport/container-engine.js';
import { ensureLabKeys, writeKnownHosts } from './keys.js';
import { HEALER_PORT, HOST_LABEL, LAB_LABEL, labStateDir } from './paths.js';

const HEALER_PORT_KEY = `${HEALER_PORT}/tcp`;

/**
 * Turns a container lab inventory into the concrete one `run` needs: each host's
 * published SSH port on 127.0.0.1, the lab's client key, and a known_hosts file
 * pinning the lab's host key. A `static` lab is returned unchanged. Throws
 * CHAOSLAB_LAB_ENGINE when the lab is not up.
 */
export async function resolveLab(lab: LabConfig, options: { engine?: Engine } = {}): Promise<LabConfig> {
  if (lab.provider !== 'container') return lab;
  const engine = options.engine ?? connectEngine();
  const containers = await listContainers(engine, { [LAB_LABEL]: lab.name });
  const keys = await ensureLabKeys(labStateDir(lab.name), lab.name);
  const hosts = lab.hosts.map((host): HostConfig => {
    const container = containers.find((c) => c.labels[HOST_LABEL] === host.name);
    if (!container || container.state !== 'running') {
      throw new ChaoslabError('CHAOSLAB_LAB_ENGINE', `lab ${lab.name} is not up: host ${host.name} has ${container ? `a ${container.state} container` : 'no container'}; run \`chaoslab lab up\``);
    }
    if (host.transport.kind === 'docker-exec') return { ...host, transport: { ...host.transport, container: container.name } };
    if (host.transport.kind !== 'ssh') return host;
    const port = container.ports['22/tcp'];
    if (!port) throw new ChaoslabError('CHAOSLAB_LAB_ENGINE', `lab ${lab.name}: host ${host.name} publishes no SSH port`);
    return {
      ...host,
      address: '127.0.0.1',
      // the port is the container's, published on the controller's loopback: reaching it there is intended
      allow_controller: true,
      transport: { ...host.transport, port, key: `file:${keys.clientKey}`, known_hosts: keys.knownHosts, insecure_host_key: false },
    };
  });
  const sshPorts = hosts.flatMap((host) => (host.transport.kind === 'ssh' ? [host.transport.port] : []));
  await writeKnownHosts(keys, '127.0.0.1', sshPorts);
  return { ...lab, provider: 'static', hosts };
}

/** Published healer API ports by host name (for `lab status` and the http observer). */
export async function healerPorts(lab: LabConfig, engine: Engine = connectEngine()): Promise<Record<string, number>> {
  const containers = await listContainers(engine, { [LAB_LABEL]: lab.name });
  return Object.fromEntries(containers.flatMap((c) => (c.labels[HOST_LABEL] && c.ports[HEALER_PORT_KEY] ? [[c.labels[HOST_LABEL], c.ports[HEALER_PORT_KEY]]] : [])));
}

/** Fields the schema reads as durations: a bare number there means seconds, so write milliseconds explicitly. */
const DURATION_FIELDS = new Set(['clock_skew_tolerance', 'healer_scan_interval', 'keepalive', 'connect_timeout', 'operation_timeout', 'poll_interval', 'timeout']);

function withExplicitDurations(value: unknown, key = ''): unknown {
  if (typeof value === 'number' && DURATION_FIELDS.has(key)) return `${value}ms`;
  if (Array.isArray(value)) return value.map((item) => withExplicitDurations(item));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withExplicitDurations(v, k)]));
  }
  return value;
}

/** Writes lab/.state/<lab>/inventory.yaml: a static inventory usable by `run --lab` on its own. */
export async function writeResolvedInventory(resolved: LabConfig): Promise<string> {
  const file = join(labStateDir(resolved.name), 'inventory.yaml');
  const header = `# Resolved by \`chaoslab lab up\` at ${new Date().toISOString()}; rewritten on every up. Do not edit.\n`;
  await writeFile(file, header + stringify(withExplicitDurations({ kind: 'lab', ...resolved })), { mode: 0o600 });
  return file;
}

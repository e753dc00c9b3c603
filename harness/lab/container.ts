import { createConnection } from 'node:net';
import { rm } from 'node:fs/promises';
import { healerOf, type HostConfig, type LabConfig } from '../config/lab-schema.js';
import { systemClock, type Clock } from '../core/clock.js';
import { ChaoslabError, errorMessage } from '../core/errors.js';
import { waitFor } from '../core/wait.js';
import {
  connectEngine,
  createAndStart,
  createNetwork,
  execInContainer,
  listContainers,
  pingEngine,
  removeContainer,
  removeNetworks,
  type Engine,
} from '../transport/container-engine.js';
import { ensureLabImage, LAB_IMAGE_REPOSITORY } from './image.js';
import { ensureLabKeys } from './keys.js';
import type { HostStatus, LabProvider } from './lab-provider.js';
import { containerName, HEALER_PORT, HOST_LABEL, LAB_LABEL, labStateDir, networkName } from './paths.js';
import { resolveLab, writeResolvedInventory } from './resolve.js';

export interface ContainerProviderOptions {
  readonly engine?: Engine;
  readonly clock?: Clock;
  /** Overrides the lab host image (tests pass an already built tag). */
  readonly image?: string;
  readonly readyTimeoutMs?: number;
}

/**
 * The embedded lab: one container per inventory host, built from the lab host
 * image, on an internal network of its own (nothing reaches outside), SSH and
 * the healer API published on 127.0.0.1 at engine-chosen free ports.
 */
export class ContainerLabProvider implements LabProvider {
  readonly kind = 'container' as const;
  private readonly clock: Clock;

  constructor(private readonly options: ContainerProviderOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  private engine(): Engine {
    return this.options.engine ?? connectEngine();
  }

  resolve(lab: LabConfig): Promise<LabConfig> {
    return resolveLab(lab, { engine: this.engine() });
  }

  async up(lab: LabConfig, options: { signal?: AbortSignal; onProgress?: (message: string) => void } = {}): Promise<LabConfig> {
    const say = options.onProgress ?? (() => undefined);
    const engine = this.engine();
    const engineName = await pingEngine(engine);
    say(`engine: ${engineName}`);
    await this.removeLabResources(engine, lab, say);
    const keys = await ensureLabKeys(labStateDir(lab.name), lab.name);
    const image = this.options.image ?? (await ensureLabImage({ engine, onProgress: say })).tag;
    // Not `internal`: Podman's CNI backend publishes no ports for internal networks
    // (measured here). Each host instead deletes its default route at start and its
    // baseline firewall drops every outbound connection it did not accept first.
    await createNetwork(engine, networkName(lab.name), { [LAB_LABEL]: lab.name }, false);
    const podman = engineName.startsWith('Podman');
    say(`starting ${lab.hosts.length} hosts from ${image}`);
    await Promise.all(
      lab.hosts.map((host) =>
        createAndStart(engine, {
          name: containerName(lab.name, host.name),
          image: host.container && !host.container.image.startsWith(LAB_IMAGE_REPOSITORY) ? host.container.image : image,
          hostname: host.name,
          env: {
            LAB_HOST_NAME: host.name,
            LAB_AUTHORIZED_KEY: keys.clientPublicKey,
            LAB_HOST_KEY_B64: Buffer.from(keys.hostKeyText).toString('base64'),
            // reference | cfengine | puppet | none: what lab-init starts (checked by checkLab)
            LAB_HEALER: healerOf(lab, host) ?? 'reference',
            HEALER_INTERVAL: `${lab.healer_scan_interval ?? 5000}ms`,
          },
          labels: { [LAB_LABEL]: lab.name, [HOST_LABEL]: host.name },
          network: networkName(lab.name),
          publish: ['22/tcp', `${HEALER_PORT}/tcp`],
          capAdd: ['NET_ADMIN'],
          // /proc/sys is read-only in a container; unmasking it lets the (namespaced) ip_forward drift happen.
          securityOpt: [podman ? 'unmask=/proc/sys' : 'systempaths=unconfined'],
        }),
      ),
    );
    const resolved = await resolveLab(lab, { engine });
    await Promise.all(resolved.hosts.map((host) => this.waitReady(engine, lab.name, host, options.signal)));
    const inventory = await writeResolvedInventory(resolved);
    say(`lab ${lab.name} is up; inventory: ${inventory}`);
    return resolved;
  }

  async down(lab: LabConfig): Promise<void> {
    await this.removeLabResources(this.engine(), lab, () => undefined);
    await rm(labStateDir(lab.name), { recursive: true, force: true });
  }

  async status(lab: LabConfig): Promise<readonly HostStatus[]> {
    const engine = this.engine();
    const containers = await listContainers(engine, { [LAB_LABEL]: lab.name });
    return Promise.all(
      lab.hosts.map(async (host): Promise<HostStatus> => {
        const container = containers.find((c) => c.labels[HOST_LABEL] === host.name);
        if (!container) return { name: host.name, state: 'missing', detail: `no container ${containerName(lab.name, host.name)}` };
        const ports = { ssh: container.ports['22/tcp'] ?? 0, healer: container.ports[`${HEALER_PORT}/tcp`] ?? 0 };
        if (container.state !== 'running') return { name: host.name, state: 'stopped', detail: `container is ${container.state}`, ports };
        const health = await this.health(engine, container.id);
        return health ? { name: host.name, state: 'unhealthy', detail: health, ports } : { name: host.name, state: 'running', ports };
      }),
    );
  }

  /** The last lines of a host's init and healer logs, read inside the container. */
  async logs(lab: LabConfig, hostName: string, lines: number): Promise<string> {
    const host = lab.hosts.find((h) => h.name === hostName);
    const result = await execInContainer(this.engine(), containerName(lab.name, hostName), [
      'tail', '-n', String(lines), '/var/log/lab-init.log', ...stackLogs(host ? healerOf(lab, host) : undefined),
    ]);
    return result.stdout + result.stderr;
  }

  /** What is wrong with a running host, or undefined when sshd and (if enabled) the healer run. */
  private async health(engine: Engine, container: string): Promise<string | undefined> {
    try {
      const result = await execInContainer(engine, container, ['/bin/sh', '-c',
        'test -e /run/lab-ready || { echo "still starting"; exit 1; }; pgrep -x sshd >/dev/null || { echo "sshd is not running"; exit 1; }; ' +
        'case "${LAB_HEALER:-reference}" in 1|reference) s=healer ;; cfengine|puppet) s=$LAB_HEALER ;; *) s= ;; esac; ' +
        'if [ -n "$s" ]; then lab-service status "$s" || { echo "$s is not running"; exit 1; }; fi; ' +
        // a convergence stack is ready once its first run is done (a baseline check before it would race it)
        'case "$s" in cfengine|puppet) test -e /run/lab-converged || { echo "$s has not finished its first run"; exit 1; } ;; esac']);
      return result.exitCode === 0 ? undefined : result.stdout.trim() || `health check exited ${result.exitCode}`;
    } catch (error) {
      return `cannot exec: ${errorMessage(error)}`;
    }
  }

  private async waitReady(engine: Engine, labName: string, host: HostConfig, signal?: AbortSignal): Promise<void> {
    const port = host.transport.kind === 'ssh' ? host.transport.port : undefined;
    await waitFor(
      async () => {
        if ((await this.health(engine, containerName(labName, host.name))) !== undefined) return undefined;
        if (port !== undefined && !(await sshBanner(port))) return undefined;
        return true;
      },
      { clock: this.clock, timeoutMs: this.options.readyTimeoutMs ?? READY_TIMEOUT_MS, intervalMs: 250, factor: 1.5, maxIntervalMs: 1000, signal, description: `lab host ${host.name} to be ready` },
    ).catch((error: unknown) => {
      throw new ChaoslabError('CHAOSLAB_LAB_ENGINE', `${host.name} did not become ready: ${errorMessage(error)} (see \`chaoslab lab logs --host ${host.name}\`)`, { cause: error });
    });
  }

  /**
   * Removes every container and network labelled with this lab. Podman's records
   * can outlive their processes (a killed session leaves "Up" ghosts), so removal
   * is retried once and names are removed too.
   */
  private async removeLabResources(engine: Engine, lab: LabConfig, say: (message: string) => void): Promise<void> {
    for (let round = 0; round < 2; round += 1) {
      const leftovers = await listContainers(engine, { [LAB_LABEL]: lab.name });
      const names = new Set([...leftovers.map((c) => c.name), ...lab.hosts.map((h) => containerName(lab.name, h.name))]);
      if (round === 0 && leftovers.length) say(`removing ${leftovers.length} containers left from an earlier ${lab.name} lab`);
      await Promise.all([...names].map((name) => removeContainer(engine, name).catch(() => undefined)));
      if ((await listContainers(engine, { [LAB_LABEL]: lab.name })).length === 0) break;
    }
    await removeNetworks(engine, { [LAB_LABEL]: lab.name });
  }
}

/**
 * How long a host may take to be ready: a convergence stack is ready after its
 * first run, and one `puppet apply` took 328 s on the shared 2-core machine at
 * load 40 (measured), so this is generous.
 */
const READY_TIMEOUT_MS = 600_000;

/** Where each stack the lab host image carries writes its log (`lab logs`). */
function stackLogs(profile: string | undefined): string[] {
  switch (profile) {
    case 'cfengine':
      return ['/var/log/lab-converge-cfengine.log', '/var/log/cfengine/cf-agent.log'];
    case 'puppet':
      return ['/var/log/lab-converge-puppet.log', '/var/log/puppet/apply.log'];
    case 'none':
      return [];
    default:
      return ['/var/log/chaoslab-healer/healer.log', '/var/log/chaoslab-healer/events.jsonl'];
  }
}

/** True once something on 127.0.0.1:port greets like an SSH server. */
function sshBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('SSH-')));
    socket.once('error', () => done(false));
  });
}

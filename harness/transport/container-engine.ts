import { existsSync } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import { ChaoslabError, errorMessage } from '../core/errors.js';

/**
 * chaoslab's only door to a container engine (Docker Engine API, served by Docker
 * or by `podman system service`). dockerode stays behind this file; the lab
 * provider, the image builder and the docker-exec transport use these functions.
 */
export type Engine = Docker;

const DEFAULT_SOCKETS = ['/var/run/docker.sock', '/run/podman/podman.sock'];

/** DOCKER_HOST when set (unix:// or tcp://), else the first Docker or Podman socket that exists. */
export function connectEngine(env: NodeJS.ProcessEnv = process.env): Engine {
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  if (host?.startsWith('tcp://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    return new Docker({ host: url.hostname, port: Number(url.port || 2375) });
  }
  if (host) throw new ChaoslabError('CHAOSLAB_LAB_ENGINE', `DOCKER_HOST=${host}: only unix:// and tcp:// engines are supported`);
  const socketPath = DEFAULT_SOCKETS.find((path) => existsSync(path));
  if (!socketPath) {
    throw new ChaoslabError('CHAOSLAB_LAB_ENGINE', `no container engine socket (${DEFAULT_SOCKETS.join(', ')}); run scripts/setup-engine.sh or set DOCKER_HOST`);
  }
  return new Docker({ socketPath });
}

export async function pingEngine(engine: Engine): Promise<string> {
  try {
    const version = await engine.version();
    const name = version.Components?.[0]?.Name ?? 'Docker Engine';
    return `${name} ${version.Version}`;
  } catch (error) {
    throw new ChaoslabError('CHAOSLAB_LAB_ENGINE', `the container engine does not answer (${errorMessage(error)}); run scripts/setup-engine.sh`, { cause: error });
  }
}

export async function imageExists(engine: Engine, reference: string): Promise<boolean> {
  try {
    await engine.getImage(reference).inspect();
    return true;
  } catch {
    return false;
  }
}

/**
 * The name the engine really stored an image under: Podman files a local
 * `chaoslab/x:tag` as `localhost/chaoslab/x:tag`, and a build's FROM must use
 * that full name or Podman tries a registry.
 */
export async function storedImageName(engine: Engine, reference: string): Promise<string> {
  const tags = (await engine.getImage(reference).inspect()).RepoTags ?? [];
  return tags.find((tag) => tag.endsWith(reference)) ?? reference;
}

/** Reads an engine progress stream to its end; an `error` record in it becomes a thrown error. */
function followProgress(engine: Engine, stream: NodeJS.ReadableStream, onLine?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    engine.modem.followProgress(
      stream,
      (error: Error | null, records: { error?: string; errorDetail?: { message?: string } }[]) => {
        const failed = error ?? records.find((record) => record.error || record.errorDetail);
        if (failed) reject(new ChaoslabError('CHAOSLAB_LAB_ENGINE', failed instanceof Error ? failed.message : (failed.errorDetail?.message ?? failed.error ?? 'engine error')));
        else resolve();
      },
      (record: { stream?: string; status?: string }) => {
        const text = (record.stream ?? record.status ?? '').trim();
        if (text && onLine) onLine(text);
      },
    );
  });
}

/** Pulls an image, giving up after `timeoutMs` (a machine without registry access fails fast). */
export async function pullImage(engine: Engine, reference: string, timeoutMs: number): Promise<void> {
  const pulled = (async () => followProgress(engine, await engine.pull(reference)))();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChaoslabError('CHAOSLAB_LAB_ENGINE', `pulling ${reference} took longer than ${timeoutMs}ms`)), timeoutMs);
  });
  try {
    await Promise.race([pulled, deadline]);
  } finally {
    clearTimeout(timer);
    pulled.catch(() => undefined);
  }
}

/** What `listImages` says of an image, as far as pruning needs it. */
export interface ListedImage {
  readonly Id: string;
  readonly RepoTags?: readonly string[] | null;
  readonly Created: number;
}

/**
 * Which images of `repository` to remove after `keep` was built: every other
 * build but the `retain` newest. Other checkouts of the project (another branch,
 * a CI clone) build tags of their own from their own sources; keeping a few
 * recent ones spares them a rebuild each time two of them take turns.
 */
export function imagesToPrune(images: readonly ListedImage[], repository: string, keep: string, retain: number): ListedImage[] {
  const named = (tag: string, name: string) => tag === name || tag.endsWith(`/${name}`);
  const others = images.filter((image) => {
    const tags = image.RepoTags ?? [];
    return tags.some((tag) => named(tag.slice(0, tag.lastIndexOf(':')), repository)) && !tags.some((tag) => named(tag, keep));
  });
  return [...others].sort((a, b) => b.Created - a.Created).slice(retain);
}

/**
 * Removes older builds of `repository` (the lab image) beyond the `retain`
 * newest besides `keep`. An image a container still uses is left alone (the
 * engine refuses).
 */
export async function pruneOtherTags(engine: Engine, repository: string, keep: string, retain = 3): Promise<number> {
  let removed = 0;
  for (const image of imagesToPrune(await engine.listImages(), repository, keep, retain)) {
    try {
      await engine.getImage(image.Id).remove();
      removed += 1;
    } catch {
      // in use by a container, or already gone
    }
  }
  return removed;
}

/** `docker import`: a root filesystem tarball becomes an image. */
export async function importRootfs(engine: Engine, tarball: Readable, repository: string, tag: string): Promise<void> {
  // Podman ignores `tag` on import but honours `repo=name:tag`; Docker accepts both forms.
  const stream = await engine.importImage(tarball, { repo: `${repository}:${tag}` });
  await followProgress(engine, stream);
  if (!(await imageExists(engine, `${repository}:${tag}`))) {
    throw new ChaoslabError('CHAOSLAB_LAB_ENGINE', `the engine imported the root filesystem but did not tag it ${repository}:${tag}`);
  }
}

/** `docker build` from a tar build context (Containerfile named `Containerfile`). */
export async function buildImage(engine: Engine, context: Readable, tag: string, buildArgs: Record<string, string>, onLine?: (line: string) => void): Promise<void> {
  const stream = await engine.buildImage(context, { t: tag, dockerfile: 'Containerfile', buildargs: buildArgs, forcerm: true });
  await followProgress(engine, stream, onLine);
}

export interface ExecOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
}

/**
 * Runs argv in a container and collects demultiplexed stdout/stderr; the exit code
 * comes from inspecting the exec once its stream has ended. `onStdout` sees
 * output as it arrives (streaming tails).
 */
export async function execInContainer(
  engine: Engine,
  container: string,
  argv: readonly string[],
  options: { user?: string; signal?: AbortSignal; onStdout?: (chunk: string) => void } = {},
): Promise<ExecOutcome> {
  const exec = await engine.getContainer(container).exec({ Cmd: [...argv], AttachStdout: true, AttachStderr: true, User: options.user ?? '' });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    out += text;
    options.onStdout?.(text);
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  engine.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      (stream as unknown as { destroy(): void }).destroy();
      reject(options.signal?.reason ?? new Error('aborted'));
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', reject);
  });
  const inspected = await exec.inspect();
  return { stdout: out, stderr: err, exitCode: inspected.ExitCode ?? null };
}

export interface ContainerSummary {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: Readonly<Record<string, number>>;
}

/** Containers (running or not) carrying every given label. */
export async function listContainers(engine: Engine, labels: Record<string, string>): Promise<ContainerSummary[]> {
  const filters = { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
  const found = await engine.listContainers({ all: true, filters: JSON.stringify(filters) });
  return found.map((container) => {
    const ports: Record<string, number> = {};
    for (const port of container.Ports ?? []) if (port.PublicPort) ports[`${port.PrivatePort}/${port.Type}`] = port.PublicPort;
    return { id: container.Id, name: (container.Names?.[0] ?? container.Id).replace(/^\//, ''), state: container.State, labels: container.Labels ?? {}, ports };
  });
}

export async function containerRunning(engine: Engine, container: string): Promise<boolean> {
  try {
    return (await engine.getContainer(container).inspect()).State.Running === true;
  } catch {
    return false;
  }
}

/** Removes a container (running or not); a container already gone is not an error. */
export async function removeContainer(engine: Engine, container: string): Promise<void> {
  try {
    await engine.getContainer(container).remove({ force: true, v: true });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
}

export async function createNetwork(engine: Engine, name: string, labels: Record<string, string>, internal: boolean): Promise<void> {
  await engine.createNetwork({ Name: name, Internal: internal, Labels: labels, CheckDuplicate: true });
}

export async function removeNetworks(engine: Engine, labels: Record<string, string>): Promise<string[]> {
  const filters = { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
  const networks = await engine.listNetworks({ filters: JSON.stringify(filters) });
  for (const network of networks) {
    try {
      await engine.getNetwork(network.Id).remove();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
  return networks.map((network) => network.Name);
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly hostname: string;
  readonly env: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly network: string;
  /** Container ports published on 127.0.0.1 at an engine-chosen free port, e.g. ['22/tcp']. */
  readonly publish: readonly string[];
  readonly capAdd: readonly string[];
  readonly securityOpt: readonly string[];
}

export async function createAndStart(engine: Engine, spec: ContainerSpec): Promise<string> {
  const container = await engine.createContainer({
    name: spec.name,
    Image: spec.image,
    Hostname: spec.hostname,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    Labels: spec.labels,
    ExposedPorts: Object.fromEntries(spec.publish.map((port) => [port, {}])),
    HostConfig: {
      NetworkMode: spec.network,
      PortBindings: Object.fromEntries(spec.publish.map((port) => [port, [{ HostIp: '127.0.0.1', HostPort: '' }]])),
      CapAdd: [...spec.capAdd],
      SecurityOpt: [...spec.securityOpt],
    },
  });
  await container.start();
  return container.id;
}

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { parse } from 'yaml';
import { hostSchema, type HostConfig } from '../../harness/config/lab-schema.js';
import { scenarioSchema, type Scenario } from '../../harness/config/scenario-schema.js';
import { systemClock } from '../../harness/core/clock.js';
import { silentLogger } from '../../harness/core/logger.js';
import type { FaultCommands, FaultDefinition } from '../../harness/faults/fault.js';
// Importing the Linux fault library registers its faults.
import { getFault } from '../../harness/faults/registry.js';
import { connectEngine, listContainers, removeContainer } from '../../harness/transport/container-engine.js';
import { ensureLabImage } from '../../harness/lab/image.js';
import { HEALER_PORT, projectRoot } from '../../harness/lab/paths.js';
import { quotePosix } from '../../harness/quoting/shell.js';
import { DockerExecTransport } from '../../harness/transport/docker-exec.js';

/** Every container a test starts carries this label, so leftovers of a killed run are found and removed. */
export const TEST_LABEL = 'io.chaoslab.test';

let image: Promise<string> | undefined;

/** The lab host image, built once per test process when its inputs changed. */
export function labImage(): Promise<string> {
  image ??= ensureLabImage({ engine: connectEngine() }).then((built) => built.tag);
  return image;
}

/** The test process that started a container: only a dead owner's containers are leftovers. */
export const OWNER_LABEL = 'io.chaoslab.test.owner-pid';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes containers a killed earlier run of the same test file left behind
 * (Podman keeps their records), but never those of a test process still
 * running: two checkouts may run the same test file at once on one machine.
 */
export async function clearLeftovers(suite: string): Promise<void> {
  const engine = connectEngine();
  for (const container of await listContainers(engine, { [TEST_LABEL]: suite })) {
    const owner = Number(container.labels[OWNER_LABEL]);
    if (owner && owner !== process.pid && processAlive(owner)) continue;
    await removeContainer(engine, container.id);
  }
}

export interface LabHostFixture extends AsyncDisposable {
  readonly container: StartedTestContainer;
  readonly name: string;
  readonly transport: DockerExecTransport;
  /** Fetches a path of the healer's HTTP API from inside the host (node's fetch on 127.0.0.1). */
  healerGet(path: string): Promise<string>;
  /** Runs a shell command inside the host; returns exit code and output. */
  sh(command: string): Promise<{ exitCode: number | null; stdout: string; stderr: string }>;
}

export async function startLabHost(suite: string, options: { healer: boolean; interval?: string }): Promise<LabHostFixture> {
  const tag = await labImage();
  const name = `${suite}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const container = await new GenericContainer(tag)
    .withName(name)
    .withHostname('lab-test-host')
    .withLabels({ [TEST_LABEL]: suite, [OWNER_LABEL]: String(process.pid) })
    .withEnvironment({ LAB_HEALER: options.healer ? '1' : '0', LAB_HOST_NAME: 'lab-test-host', HEALER_INTERVAL: options.interval ?? '1s', HEALER_RESCAN: '1s' })
    .withAddedCapabilities('NET_ADMIN')
    .withSecurityOpt('unmask=/proc/sys')
    .withWaitStrategy(Wait.forSuccessfulCommand('test -e /run/lab-ready'))
    .withStartupTimeout(60_000)
    .start();
  const host: HostConfig = hostSchema.parse({ name: 'lab-test-host', platform: 'linux', transport: { kind: 'docker-exec', container: name } });
  const transport = new DockerExecTransport(host, { resolveSecret: async () => '', clock: systemClock, logger: silentLogger, baseDir: projectRoot() });
  return {
    container,
    name,
    transport,
    healerGet: async (path) => {
      // bash's /dev/tcp, not node: starting node costs seconds on a loaded machine.
      const request = `GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`;
      const script = `exec 3<>/dev/tcp/127.0.0.1/${HEALER_PORT} && printf %s ${quotePosix(request)} >&3 && cat <&3`;
      const result = await transport.exec(`bash -c ${quotePosix(script)}`, { timeoutMs: 20_000 });
      if (result.exitCode !== 0) throw new Error(`healer GET ${path} failed: ${result.stderr}`);
      return result.stdout.slice(result.stdout.indexOf('\r\n\r\n') + 4);
    },
    sh: async (command) => transport.exec(command, { timeoutMs: 60_000 }),
    [Symbol.asyncDispose]: async () => {
      await transport.close();
      await container.stop({ timeout: 2_000 });
    },
  };
}

export interface CatalogueCase {
  readonly scenario: Scenario;
  readonly fault: FaultDefinition;
  readonly commands: FaultCommands;
}

/** The Linux catalogue as the tests drive it: each scenario's built-in fault with its params. */
export async function linuxCatalogue(): Promise<CatalogueCase[]> {
  const dir = join(projectRoot(), 'scenarios/linux');
  const files = (await readdir(dir)).filter((file) => file.endsWith('.yaml')).sort();
  return Promise.all(
    files.map(async (file) => {
      const scenario = scenarioSchema.parse(parse(await readFile(join(dir, file), 'utf8')));
      const fault = getFault(scenario.fault!.use)!;
      return { scenario, fault, commands: fault.build(fault.params.parse(scenario.fault!.with)) };
    }),
  );
}

export interface HealerRule {
  readonly id: string;
  readonly check_type: string;
  readonly runbook: string;
  readonly action: 'heal' | 'escalate';
}

export async function healerRules(): Promise<HealerRule[]> {
  const text = await readFile(join(projectRoot(), 'lab/healer/rules/default.yaml'), 'utf8');
  return (parse(text) as { rules: HealerRule[] }).rules;
}

/** Parses `name=value` lines printed by the scripts below. */
function markers(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.split('\n').flatMap((line) => {
    const match = /^__(\w+)=(.*)$/.exec(line);
    return match ? [[match[1]!, match[2]!]] : [];
  }));
}

export interface InjectOutcome {
  readonly compliantBefore: boolean;
  readonly snapshot: string;
  readonly injectExit: number;
  readonly driftedAfter: boolean;
}

/**
 * Check, snapshot, inject and check again in ONE exec: on a loaded machine an
 * engine exec costs seconds, and the steps are exactly those the engine runs.
 */
export async function injectOnce(host: LabHostFixture, commands: FaultCommands): Promise<InjectOutcome> {
  const script = [
    `( ${commands.check} ) >/dev/null 2>&1; echo "__before=$?"`,
    commands.snapshot ? `echo "__snapshot=$( ${commands.snapshot} )"` : 'echo "__snapshot="',
    `( ${commands.inject} ) >/dev/null 2>&1; echo "__inject=$?"`,
    `( ${commands.check} ) >/dev/null 2>&1; echo "__after=$?"`,
  ].join('\n');
  const found = markers((await host.sh(script)).stdout);
  return { compliantBefore: found.before === '0', snapshot: found.snapshot ?? '', injectExit: Number(found.inject), driftedAfter: found.after !== '0' };
}

/** Reverts from the snapshot and reports whether the check passes afterwards. */
export async function revertOnce(host: LabHostFixture, commands: FaultCommands, snapshot: string): Promise<{ revertExit: number; compliant: boolean }> {
  const script = `( ${commands.revert(snapshot)} ) >/dev/null 2>&1; echo "__revert=$?"\n( ${commands.check} ) >/dev/null 2>&1; echo "__check=$?"`;
  const found = markers((await host.sh(script)).stdout);
  return { revertExit: Number(found.revert), compliant: found.check === '0' };
}

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostSchema } from '../../harness/config/lab-schema.js';
import { SecretResolver } from '../../harness/config/secrets.js';
import { systemClock } from '../../harness/core/clock.js';
import { silentLogger } from '../../harness/core/logger.js';
import { connectEngine, listContainers } from '../../harness/transport/container-engine.js';
import { containerName, HOST_LABEL, LAB_LABEL, labStateDir } from '../../harness/lab/paths.js';
import { LabHosts } from '../../harness/lab/lab-hosts.js';
import { labProviderFor } from '../../harness/lab/providers.js';
import { resolveLab } from '../../harness/lab/resolve.js';
import { DockerExecTransport } from '../../harness/transport/docker-exec.js';
import { createTransport } from '../../harness/transport/registry.js';
import { startTestLab, type TestLab } from '../support/lab-cluster.js';
import { tempDir } from '../support/tmp.js';

/**
 * The container lab provider against the real engine: labelled resources,
 * published SSH pinned by a generated known_hosts, the docker-exec transport,
 * and a `down` that removes exactly what `up` made.
 */
let lab: TestLab;
let dir: Awaited<ReturnType<typeof tempDir>>;
const engine = connectEngine();
const context = { resolveSecret: (ref: string) => new SecretResolver('/').resolve(ref), clock: systemClock, logger: silentLogger, baseDir: '/' };

beforeAll(async () => {
  dir = await tempDir('chaoslab-lab-provider-');
  lab = await startTestLab(`lab-provider-${process.pid}`, dir.path, 2);
  // The first test process on a fresh machine builds the lab image (debootstrap: minutes).
}, 900_000);

afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
  await dir?.[Symbol.asyncDispose]();
});

describe('container lab provider', () => {
  it('labels one container per host and writes an inventory that pins the host key', async () => {
    const containers = await listContainers(engine, { [LAB_LABEL]: lab.config.name });
    expect(containers.map((c) => c.labels[HOST_LABEL]).sort()).toEqual(['lin-db-1', 'lin-web-1']);
    const inventory = await readFile(join(labStateDir(lab.config.name), 'inventory.yaml'), 'utf8');
    expect(inventory).toMatch(/insecure_host_key: false/);
    // as `run`, `doctor` and `revert` reach it: resolved by its provider, its hosts through LabHosts
    const resolved = await (await labProviderFor(lab.config, lab.file)).resolve(lab.config);
    const web = resolved.hosts.find((h) => h.name === 'lin-web-1')!;
    expect(web.transport.kind === 'ssh' && web.transport.port).toBe(containers.find((c) => c.labels[HOST_LABEL] === 'lin-web-1')!.ports['22/tcp']);
    await using hosts = await LabHosts.open(resolved, lab.file, { clock: systemClock, logger: silentLogger });
    const result = await hosts.transportFor('lin-web-1').exec('hostname; cat /proc/sys/net/ipv4/ip_forward; ip route show default | wc -l');
    expect(result.stdout.trim().split('\n')).toEqual(['lin-web-1', '0', '0']);
  });

  it('refuses a host whose key is not the pinned one', async () => {
    const resolved = await resolveLab(lab.config);
    const web = resolved.hosts.find((h) => h.name === 'lin-web-1')!;
    if (web.transport.kind !== 'ssh') throw new Error('expected ssh');
    const wrongPins = join(dir.path, 'known_hosts');
    // Some other ed25519 key pinned for this port: the lab host's real key must not be accepted.
    await writeFile(wrongPins, `[127.0.0.1]:${web.transport.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGUjnmxB733TnPjHj6ZUBkaQnE/APEa9iBrMuKb1lKVg\n`);
    await using ssh = createTransport({ ...web, transport: { ...web.transport, known_hosts: wrongPins } }, context);
    await expect(ssh.exec('true')).rejects.toMatchObject({ code: expect.stringMatching(/^TRANSPORT_/) });
  });

  it('docker-exec: separates stdout and stderr, returns exit codes, streams lines, enforces timeouts', async () => {
    const host = hostSchema.parse({ name: 'lin-db-1', platform: 'linux', transport: { kind: 'docker-exec', container: containerName(lab.config.name, 'lin-db-1') } });
    await using transport = new DockerExecTransport(host, context);
    const result = await transport.exec("echo out; echo err >&2; exit 7");
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 7 });
    const lines: string[] = [];
    const controller = new AbortController();
    for await (const line of transport.stream('for i in 1 2 3; do echo line-$i; done', { signal: controller.signal })) lines.push(line);
    expect(lines).toEqual(['line-1', 'line-2', 'line-3']);
    await expect(transport.exec('sleep 30', { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'TRANSPORT_TIMEOUT' });
    const gone = new DockerExecTransport(hostSchema.parse({ ...host, transport: { kind: 'docker-exec', container: 'chaoslab-no-such-container' } }), context);
    await expect(gone.exec('true')).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
  });

  it('down removes every container and network it made, and is idempotent', async () => {
    await lab.provider.down(lab.config);
    expect(await listContainers(engine, { [LAB_LABEL]: lab.config.name })).toEqual([]);
    const networks = await engine.listNetworks({ filters: JSON.stringify({ label: [`${LAB_LABEL}=${lab.config.name}`] }) });
    expect(networks).toEqual([]);
    await lab.provider.down(lab.config);
    const states = await lab.provider.status(lab.config);
    expect(states.map((s) => s.state)).toEqual(['missing', 'missing']);
  });
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLabFile } from '../../harness/config/load-project.js';
import { systemClock } from '../../harness/core/clock.js';
import { ConfigError } from '../../harness/core/errors.js';
import { silentLogger } from '../../harness/core/logger.js';
import { waitFor } from '../../harness/core/wait.js';
import { LabHosts } from '../../harness/lab/lab-hosts.js';
import { CONTROLLER_HOST_LINES, connectionsTo, startSshd, type SshdFixture } from '../support/sshd.js';
import { tempDir } from '../support/tmp.js';

/**
 * LabHosts against a real sshd: transports are created on first use, one per
 * host and shared, all closed by dispose; a secret that does not resolve is a
 * config error naming where it is written.
 */
describe('LabHosts', () => {
  let sshd: SshdFixture;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let labFile: string;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await tempDir('chaoslab-lab-hosts-');
    labFile = join(dir.path, 'lab.yaml');
    const host = (name: string, key: string) => [`  - name: ${name}`, '    platform: linux', ...CONTROLLER_HOST_LINES, `    transport: { kind: ssh, port: ${sshd.port}, user: ${sshd.user}, key: "${key}", known_hosts: ${sshd.knownHostsPath} }`];
    await writeFile(labFile, ['name: lab-hosts-test', 'hosts:', ...host('web1', `file:${sshd.keyPath}`), ...host('web2', `file:${sshd.keyPath}`), ...host('nokey', 'env:CHAOSLAB_TEST_KEY_THAT_IS_NOT_SET'), ''].join('\n'));
  });

  afterAll(async () => {
    await sshd?.[Symbol.asyncDispose]();
    await dir?.[Symbol.asyncDispose]();
  });

  async function open(): Promise<LabHosts> {
    const loaded = await loadLabFile(labFile);
    expect(loaded.issues).toEqual([]);
    return LabHosts.open(loaded.lab!.config, labFile, { clock: systemClock, logger: silentLogger, source: loaded.lab!.source });
  }

  it('creates a transport only when a host is first reached, and shares it after', async () => {
    await using hosts = await open();
    expect(hosts.openTransports).toBe(0);
    expect(await connectionsTo(sshd.port)).toBe(0);
    const web1 = hosts.transportFor('web1');
    expect(hosts.transportFor('web1')).toBe(web1);
    expect(hosts.openTransports).toBe(1);
    const results = await Promise.all([1, 2, 3].map((n) => web1.exec(`echo ${n}`, { timeoutMs: 20_000 })));
    expect(results.map((r) => r.stdout.trim())).toEqual(['1', '2', '3']);
    // three commands at once went over the host's one connection
    expect(await connectionsTo(sshd.port)).toBe(1);
  });

  it('closes every transport it created on dispose, and only once', async () => {
    const hosts = await open();
    const web1 = hosts.transportFor('web1');
    const web2 = hosts.transportFor('web2');
    await Promise.all([web1.probe(), web2.probe()]);
    expect(await connectionsTo(sshd.port)).toBe(2);
    await hosts[Symbol.asyncDispose]();
    await hosts.close();
    expect(hosts.openTransports).toBe(0);
    await expect(web1.exec('true')).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    await expect(web2.exec('true')).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    await waitFor(async () => ((await connectionsTo(sshd.port)) === 0 ? true : undefined), { clock: systemClock, timeoutMs: 10_000, intervalMs: 50, description: 'the server to see both connections closed' });
  });

  it('reports a secret that does not resolve as a config error at its line, without affecting the other hosts', async () => {
    await using hosts = await open();
    const failure = await hosts.transportFor('nokey').exec('true').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect(failure).toMatchObject({ code: 'CHAOSLAB_SECRET_UNRESOLVED' });
    const message = (failure as Error).message;
    expect(message).toContain(`${labFile}:`);
    expect(message).toContain('hosts[2].transport.key');
    expect(message).toContain('CHAOSLAB_TEST_KEY_THAT_IS_NOT_SET is not set (needed by host nokey)');
    expect((await hosts.transportFor('web1').exec('echo ok')).stdout.trim()).toBe('ok');
  });

  it('names an unknown host', async () => {
    await using hosts = await open();
    expect(() => hosts.transportFor('web9')).toThrow('host web9 is not in lab lab-hosts-test');
  });
});

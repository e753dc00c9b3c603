import { mkdir, rm } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isControllerAddress } from '../../harness/config/controller.js';
import { loadDocument } from '../../harness/config/load-file.js';
import { loadLabFile } from '../../harness/config/load-project.js';
import { labStateDir } from '../../harness/lab/paths.js';
import { writeResolvedInventory } from '../../harness/lab/resolve.js';
import { checkLab } from '../../harness/config/validate-lab.js';
import { formatIssue } from '../../harness/core/errors.js';

/** Schema and inventory checks together, as `validate --lab` runs them. */
function labProblems(hostLines: string, provider = 'static'): string[] {
  const text = `kind: lab\nname: x\nprovider: ${provider}\nhosts:\n  - name: web-1\n    platform: linux\n${hostLines}`;
  const loaded = loadDocument('lab.yaml', text, 'lab', 'lab');
  if (loaded.issues) return loaded.issues.map(formatIssue);
  if (loaded.document.kind !== 'lab') throw new Error('expected a lab');
  return checkLab(loaded.document.config, loaded.document.source).map(formatIssue);
}

const SSH = '    transport: { kind: ssh, user: root, key: "env:K", insecure_host_key: true }\n';

describe('a static host needs an address', () => {
  it('an ssh host without one is refused at its entry (it once became 127.0.0.1)', () => {
    expect(labProblems(SSH)).toEqual(['lab.yaml:5:5 hosts[0].address: is required for a static host reached over ssh: the name or IP of the lab machine']);
  });

  it('a winrm host too', () => {
    expect(labProblems('    transport: { kind: winrm, user: u, password: "env:P" }\n')).toEqual([
      'lab.yaml:5:5 hosts[0].address: is required for a static host reached over winrm: the name or IP of the lab machine',
    ]);
  });

  it('the container provider fills it; docker-exec reaches its container without one', () => {
    expect(labProblems(SSH, 'container')).toEqual([]);
    expect(labProblems('    transport: { kind: docker-exec, container: c1 }\n')).toEqual([]);
  });

  it('a lab machine\'s address is fine', () => {
    expect(labProblems(`    address: 192.0.2.10\n${SSH}`)).toEqual([]);
  });
});

describe('a host that is the controller itself', () => {
  const own = Object.values(networkInterfaces()).flat().find((entry) => entry && !entry.internal)?.address;

  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '0.0.0.0', hostname(), ...(own ? [own] : [])])('%s is refused unless the host allows it', (address) => {
    const problems = labProblems(`    address: "${address}"\n${SSH}`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^lab\.yaml:7:14 hosts\[0\]\.address: .* is the machine chaoslab runs on: host web-1's faults would be injected into the controller itself\. .*`allow_controller: true`/);
    expect(labProblems(`    address: "${address}"\n    allow_controller: true\n${SSH}`)).toEqual([]);
  });

  it('other addresses and names are not the controller (names are compared, never looked up)', () => {
    for (const address of ['192.0.2.10', '10.1.2.3', 'db.lab.example', `${hostname()}-other`]) expect(isControllerAddress(address), address).toBe(false);
  });
});

describe('the inventory `lab up` writes', () => {
  it('reaches its containers through ports on 127.0.0.1 and says so: it validates as a static lab', async () => {
    const name = `controller-test-${process.pid}`;
    const loaded = loadDocument('lab.yaml', `kind: lab\nname: ${name}\nprovider: container\nhosts:\n  - name: web-1\n    platform: linux\n${SSH}`, 'lab', 'lab');
    if (!loaded.document || loaded.document.kind !== 'lab') throw new Error('expected a lab');
    const container = loaded.document.config;
    // what resolveLab makes of a host once `lab up` published its SSH port
    const host = container.hosts[0]!;
    const resolved = { ...container, provider: 'static' as const, hosts: [{ ...host, address: '127.0.0.1', allow_controller: true, transport: { ...host.transport, port: 40022 } }] };
    await mkdir(labStateDir(name), { recursive: true });
    const file = await writeResolvedInventory(resolved as typeof container);
    try {
      const result = await loadLabFile(file);
      expect(result.issues.map(formatIssue)).toEqual([]);
    } finally {
      await rm(labStateDir(name), { recursive: true, force: true });
    }
  });
});

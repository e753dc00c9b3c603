import { hostname, networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isControllerAddress } from '../../harness/config/controller.js';
import { loadDocument } from '../../harness/config/load-file.js';
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

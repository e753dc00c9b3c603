import { describe, expect, it } from 'vitest';
import { rerunBase, rerunCommand } from '../../harness/model/rerun.js';

describe('rerun command', () => {
  const hosts = ['lab-dc-1', 'web 2'];

  it('narrows the run to the attempt\'s scenario and pins its host', () => {
    expect(rerunCommand(['run', '--suite', 'nightly', '--lab', 'lab/x.yaml'], { scenarioId: 'win-dc-dns', host: 'lab-dc-1' }, hosts)).toBe('chaoslab run --suite nightly --lab lab/x.yaml --host lab-dc-1 win-dc-dns');
  });

  it('reruns a bundle member with its bundle, and quotes a host name for the shell', () => {
    expect(rerunCommand(['run', 'scenarios/', '--lab', 'l.yaml'], { scenarioId: 'lin-suid', bundleId: 'insider', host: 'web 2' }, hosts)).toBe("chaoslab run scenarios/ --lab l.yaml --host 'web 2' insider");
  });

  it('drops the original --host options, selectors and plan-widening options', () => {
    const argv = ['run', 'scenarios/', 'lin-*', '--lab', 'l.yaml', '--host', 'a', '--host=b', '--all-hosts', '--repeat', '3', '--grep', 'ssh', '--reporter', 'html'];
    expect(rerunBase(argv)).toBe('chaoslab run scenarios/ --lab l.yaml --reporter html');
  });

  it('does not pin an attempt that never had a lab host (skipped: no host fits its target)', () => {
    expect(rerunCommand(['run', '--lab', 'l.yaml'], { scenarioId: 'orphan', host: 'mail' }, hosts)).toBe('chaoslab run --lab l.yaml orphan');
  });
});

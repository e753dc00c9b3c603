import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReportFileObserver } from '../../harness/observers/report-file.js';
import { createSshTransport } from '../../harness/transport/ssh.js';
import type { Transport } from '../../harness/transport/transport.js';
import { observerContext, parseObserver, startWatch } from '../support/observer-watch.js';
import { fixtureTransportContext, sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';
import { tempDir } from '../support/tmp.js';

/**
 * The report-file observer's watch loop over a real sshd: a Puppet-shaped
 * report rewritten whole (a temp file renamed into place, as Puppet does) is
 * read once per new version, from the version present before the injection on.
 */
let sshd: SshdFixture;
let transport: Transport;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  sshd = await startSshd();
  transport = createSshTransport(sshdHostConfig(sshd, { name: 'lin-app-1' }), fixtureTransportContext());
});
afterAll(async () => {
  await transport?.close();
  await sshd?.[Symbol.asyncDispose]();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Puppet 7 last_run_report.yaml with one resource event (Ruby tags included). */
function report(uuid: string, at: Date, status: 'success' | 'failure', resource = 'File[/etc/shadow]'): string {
  return `--- !ruby/object:Puppet::Transaction::Report
host: lin-app-1
transaction_uuid: ${uuid}
resource_statuses:
  ${resource}: !ruby/object:Puppet::Resource::Status
    resource: ${resource}
    events:
    - !ruby/object:Puppet::Transaction::Event
      property: mode
      status: ${status}
      time: '${at.toISOString()}'
`;
}

/** Puppet writes the report to a temporary file and renames it into place. */
async function publish(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

describe('report-file observer over real sshd', () => {
  it('reads each new version once, never the report present before the injection, and maps success and failure', async () => {
    await using dir = await tempDir();
    const path = join(dir.path, 'last_run_report.yaml');
    await publish(path, report('before', new Date(), 'success'));
    const observer = new ReportFileObserver(
      parseObserver({
        kind: 'report-file',
        name: 'puppet-report',
        path,
        events: 'resource_statuses.*.events[*]',
        poll_interval: '100ms',
        fields: { kind: 'status', at: 'time', host: '$root.host', check_type: '$parent.resource', id: '$root.transaction_uuid' },
        rules: [
          { when: { status: 'failure' }, kind: 'heal_failed' },
          { when: { status: 'success' }, kind: 'claimed_healed' },
        ],
      }),
      observerContext({ transportFor: () => transport }),
    );
    cleanups.push(() => observer.close());
    const host = sshdHostConfig(sshd, { name: 'lin-app-1' });
    const start = await observer.prepare({ host, checkType: 'shadow_permissions', skewMs: 0, runId: 'run-test', attemptId: 'attempt-1', signal: new AbortController().signal });
    const running = startWatch(observer, { host, checkType: 'shadow_permissions', checkTypeAliases: ['File[/etc/shadow]'], start });
    cleanups.push(() => running.stop());

    await publish(path, report('run-1', new Date(), 'failure'));
    await running.until('the failed run is read', () => running.accepted.length >= 1);
    await publish(path, report('run-2', new Date(), 'success'));
    await running.until('the repairing run is read', () => running.accepted.length >= 2);
    // the same run's report written again (a new file, same transaction) is one report, not a second claim
    await publish(path, report('run-2', new Date(), 'success'));
    await running.until('the rewritten report is read', () => running.rejected.some((r) => r.reason === 'duplicate'));
    await publish(path, report('run-3', new Date(), 'success', 'File[/etc/motd]'));
    await running.until('the unrelated run is read', () => running.rejected.some((r) => r.reason === 'other_check'));

    expect(running.accepted.map((s) => s.kind)).toEqual(['heal_failed', 'claimed_healed']);
    // the report present before the injection was never offered
    expect(running.outputs.some((o) => JSON.stringify(o.raw).includes('before'))).toBe(false);
    expect(running.error()).toBeUndefined();
  });
});

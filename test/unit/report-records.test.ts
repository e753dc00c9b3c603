import { describe, expect, it } from 'vitest';
import { observerSchema, type ObserverConfigOf } from '../../harness/config/observer-schema.js';
import { reportEvents, selectRecords } from '../../harness/observers/report-records.js';
import { parseReadAnswer } from '../../harness/observers/report-file.js';

/** A Puppet 7 last_run_report.yaml cut down to what the observer reads (Ruby tags included). */
const PUPPET_REPORT = `--- !ruby/object:Puppet::Transaction::Report
host: lin-db-1
time: '2026-12-03T08:20:00.000000000+00:00'
transaction_uuid: 6f0c
resource_statuses:
  File[/etc/shadow]: !ruby/object:Puppet::Resource::Status
    resource: File[/etc/shadow]
    resource_type: File
    changed: true
    events:
    - !ruby/object:Puppet::Transaction::Event
      property: mode
      previous_value: '0644'
      desired_value: '0640'
      status: success
      time: 2026-12-03 08:20:01.250000000 +00:00
      corrective_change: true
  Service[rsyslog]: !ruby/object:Puppet::Resource::Status
    resource: Service[rsyslog]
    events:
    - property: ensure
      status: failure
      time: '2026-12-03T08:20:02.000+00:00'
      corrective_change: false
  File[/etc/motd]:
    resource: File[/etc/motd]
    events:
    - property: content
      status: success
      time: '2026-12-03T08:20:03.000+00:00'
      corrective_change: false
  File[/etc/resolv.conf]:
    resource: File[/etc/resolv.conf]
    events:
    - property: content
      status: noop
      time: '2026-12-03T08:20:04.000+00:00'
      corrective_change: false
  File[/etc/crontab]:
    resource: File[/etc/crontab]
    events: []
`;

function config(extra: Record<string, unknown> = {}): ObserverConfigOf<'report-file'> {
  return observerSchema.parse({
    name: 'puppet-report',
    kind: 'report-file',
    path: '/var/cache/puppet/state/last_run_report.yaml',
    events: 'resource_statuses.*.events[*]',
    fields: { kind: 'status', at: 'time', host: '$root.host', check_type: '$parent.resource', id: '$root.transaction_uuid' },
    rules: [
      { when: { status: 'failure' }, kind: 'heal_failed' },
      { when: { status: 'noop' }, kind: 'detected' },
      { when: { status: 'success', corrective_change: true }, kind: 'claimed_healed' },
      { when: { status: 'success' }, kind: 'ignore' },
    ],
    ...extra,
  }) as ObserverConfigOf<'report-file'>;
}

describe('report-file records', () => {
  it('selects records under wildcards with the object above their list as parent and the mapping key', () => {
    const document = { a: { x: { items: [{ n: 1 }, { n: 2 }] }, y: { items: [{ n: 3 }] } } };
    const found = selectRecords(document, 'a.*.items[*]');
    expect(found.map((f) => (f.record as { n: number }).n)).toEqual([1, 2, 3]);
    expect(found[2]!.parent).toBe(document.a.y);
    expect(selectRecords(document, 'a.*').map((f) => f.key)).toEqual(['x', 'y']);
    expect(selectRecords(document, 'a.*')[0]!.parent).toBe(document);
    expect(selectRecords(document, 'a.x.items[1]').map((f) => f.record)).toEqual([{ n: 2 }]);
    expect(selectRecords(document, 'missing.*')).toEqual([]);
  });

  it('turns Puppet resource events into signals: corrective success is a claim, failure heal_failed, noop detected, a policy change nothing', () => {
    const outputs = reportEvents(config(), PUPPET_REPORT);
    expect(outputs.map((o) => ('malformed' in o ? o.detail : [o.kind, o.checkType, o.host, new Date(o.at).toISOString(), o.id]))).toEqual([
      ['claimed_healed', 'File[/etc/shadow]', 'lin-db-1', '2026-12-03T08:20:01.250Z', '6f0c'],
      ['heal_failed', 'Service[rsyslog]', 'lin-db-1', '2026-12-03T08:20:02.000Z', '6f0c'],
      ['detected', 'File[/etc/resolv.conf]', 'lin-db-1', '2026-12-03T08:20:04.000Z', '6f0c'],
    ]);
    // the evidence keeps the event itself, not the whole report
    expect(outputs[0]!.raw).toMatchObject({ property: 'mode', previous_value: '0644' });
  });

  it('without rules maps the kind field through kinds, and names what is missing', () => {
    const outputs = reportEvents(config({ rules: [], kinds: { success: 'claimed_healed' }, fields: { kind: 'status', at: 'time', host: '$root.nohost', check_type: '$parent.resource' } }), PUPPET_REPORT);
    expect(outputs.every((o) => 'malformed' in o)).toBe(true);
    expect('malformed' in outputs[0]! && outputs[0].detail).toBe('field $root.nohost (host) is missing');
  });

  it('reads JSON reports and reports unreadable ones as one malformed record', () => {
    const json = JSON.stringify({ node: 'h1', runs: [{ result: 'healed', at: 1796285000, check: 'firewall' }] });
    const jsonConfig = config({ format: 'json', events: 'runs[*]', rules: [], fields: { kind: 'result', at: 'at', host: '$root.node', check_type: 'check' } });
    expect(reportEvents(jsonConfig, json)).toMatchObject([{ kind: 'claimed_healed', host: 'h1', checkType: 'firewall', at: 1796285000_000 }]);
    const broken = reportEvents(jsonConfig, '{"node": ');
    expect(broken).toHaveLength(1);
    expect('malformed' in broken[0]! && broken[0].detail).toMatch(/is not JSON/);
  });

  it('parses the read command answers: unchanged, missing, and a new version with its text', () => {
    expect(parseReadAnswer('chaoslab-report same\n')).toBeUndefined();
    expect(parseReadAnswer('chaoslab-report missing\n')).toBeUndefined();
    expect(parseReadAnswer('chaoslab-report changed 12:345:1796285000.1\nhost: a\n')).toEqual({ version: '12:345:1796285000.1', text: 'host: a\n' });
    expect(() => parseReadAnswer('bash: stat: not found')).toThrow(/unexpected answer/);
  });
});

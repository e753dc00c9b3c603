import { describe, expect, it } from 'vitest';
import { fieldMap } from '../../harness/config/observer-schema.js';
import { getPath, mapJson, mapKind, mapRecord, parseTimestamp } from '../../harness/observers/fields.js';

const fields = fieldMap.parse({ host: 'details.hostname', check_type: 'incident_type', at: 'completed_at', runbook: 'runbook_id', tier: 'resolution_level', id: 'id', kind: 'status' });
const context = { source: 'api', fields, kinds: { RESOLVED: 'claimed_healed' as const } };

describe('field mapping', () => {
  it('reads dotted and indexed JSON paths', () => {
    const value = { a: { b: [{ c: 1 }, { c: 2 }] } };
    expect(getPath(value, 'a.b[1].c')).toBe(2);
    expect(getPath(value, '')).toBe(value);
    expect(getPath(value, 'a.x.y')).toBeUndefined();
    expect(getPath(null, 'a')).toBeUndefined();
  });

  it('maps kinds through the config, then the usual words, then the kind names', () => {
    expect(mapKind('Resolved', { resolved: 'claimed_healed' })).toBe('claimed_healed');
    expect(mapKind('heal-success', {})).toBe('claimed_healed');
    expect(mapKind('Drift', {})).toBe('detected');
    expect(mapKind('FAILED', {})).toBe('heal_failed');
    expect(mapKind('escalation', {})).toBe('escalated');
    expect(mapKind('cooldown', {})).toBe('suppressed');
    expect(mapKind('claimed_healed', {})).toBe('claimed_healed');
    expect(mapKind('scan_started', {})).toBeUndefined();
    expect(mapKind({}, {})).toBeUndefined();
  });

  it('parses ISO strings, Dates and epoch seconds or milliseconds', () => {
    const ms = Date.UTC(2026, 0, 1, 12);
    expect(parseTimestamp('2026-01-01T12:00:00Z')).toBe(ms);
    expect(parseTimestamp(new Date(ms))).toBe(ms);
    expect(parseTimestamp(ms / 1000)).toBe(ms);
    expect(parseTimestamp(String(ms))).toBe(ms);
    expect(parseTimestamp('yesterday')).toBeUndefined();
    expect(parseTimestamp(-5)).toBeUndefined();
  });

  it('maps a record with JSON paths into an event', () => {
    const record = { id: 7, status: 'RESOLVED', completed_at: '2026-01-01T12:00:05Z', incident_type: 'firewall', runbook_id: 'RB-1', resolution_level: 'L1', details: { hostname: 'web-1' } };
    expect(mapRecord(record, context)).toEqual({
      source: 'api', kind: 'claimed_healed', at: Date.UTC(2026, 0, 1, 12, 0, 5), host: 'web-1', checkType: 'firewall', runbook: 'RB-1', tier: 'L1', id: '7', raw: record,
    });
  });

  it('names the missing or bad field of a malformed record', () => {
    const base = { status: 'healed', completed_at: 1_767_268_800, incident_type: 'firewall', details: { hostname: 'web-1' } };
    expect(mapRecord({ ...base, status: 'scan_started' }, context)).toMatchObject({ malformed: true, detail: expect.stringMatching(/status has kind "scan_started".*kinds:/) });
    expect(mapRecord({ ...base, completed_at: 'soon' }, context)).toMatchObject({ malformed: true, detail: expect.stringMatching(/completed_at is "soon"/) });
    expect(mapRecord({ ...base, details: {} }, context)).toMatchObject({ malformed: true, detail: 'field details.hostname (host) is missing' });
    expect(mapRecord('text', context)).toMatchObject({ malformed: true, detail: 'expected a JSON object, got string' });
  });

  it('gives a record without a check type the configured check_type_default (`*`: host-wide), and keeps one the record names', () => {
    const summaries = { ...context, fields: fieldMap.parse({ ...fields, check_type_default: '*' }) };
    const base = { status: 'RESOLVED', completed_at: 1_767_268_800, details: { hostname: 'web-1' } };
    expect(mapRecord(base, summaries)).toMatchObject({ checkType: '*' });
    expect(mapRecord({ ...base, incident_type: 'firewall' }, summaries)).toMatchObject({ checkType: 'firewall' });
    expect(mapRecord(base, context)).toMatchObject({ malformed: true, detail: 'field incident_type (check type) is missing' });
  });

  it('uses defaults the observer knows, and a kind its rules decided', () => {
    const event = mapRecord({ completed_at: 5_000_000_000_000 }, { ...context, defaults: { host: 'h', checkType: 'c', kind: 'detected' } });
    expect(event).toMatchObject({ host: 'h', checkType: 'c', kind: 'detected', at: 5_000_000_000_000 });
    const ruled = mapRecord({ status: 'nonsense', completed_at: 1, incident_type: 'x', details: { hostname: 'h' } }, { ...context, kind: 'escalated' });
    expect(ruled).toMatchObject({ kind: 'escalated' });
  });

  it('accepts a JSON object or an array, and reports bad JSON', () => {
    const line = JSON.stringify({ status: 'healed', completed_at: 1, incident_type: 'x', details: { hostname: 'h' } });
    expect(mapJson(line, context)).toHaveLength(1);
    expect(mapJson(`[${line},${line}]`, context)).toHaveLength(2);
    expect(mapJson('{oops', context)[0]).toMatchObject({ malformed: true, detail: expect.stringMatching(/^not JSON/) });
  });
});

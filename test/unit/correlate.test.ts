import { describe, expect, it } from 'vitest';
import { hostSchema } from '../../harness/config/lab-schema.js';
import { Correlator, observerCheckTypeAliases, type CorrelationTarget } from '../../harness/observers/correlate.js';
import type { ObservedEvent } from '../../harness/observers/observer.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const host = hostSchema.parse({
  name: 'lin-web-1',
  platform: 'linux',
  address: '10.20.0.11',
  aliases: ['lin-web-1.lab.example'],
  transport: { kind: 'ssh', user: 'root', password: 'env:PW', insecure_host_key: true },
});

function correlator(overrides: Partial<CorrelationTarget> = {}): Correlator {
  return new Correlator({
    host,
    checkType: 'ssh_config',
    checkTypeAliases: ['sshd_config'],
    runId: 'run-1',
    since: T0,
    skewMs: 0,
    toleranceMs: 500,
    until: T0 + 60_000,
    wallNow: () => T0 + 10_000,
    ...overrides,
  });
}

function event(overrides: Partial<ObservedEvent> = {}): ObservedEvent {
  return { source: 'agent-log', kind: 'claimed_healed', at: T0 + 5_000, host: 'lin-web-1', checkType: 'ssh_config', raw: {}, ...overrides };
}

function reasonOf(result: ReturnType<Correlator['offer']>): string {
  return 'rejected' in result ? result.rejected.reason : 'accepted';
}

describe('Correlator', () => {
  it('accepts an event for the host and check after the injection, with times relative to t0', () => {
    const result = correlator().offer(event({ runbook: 'L1-SSH-001', tier: 'L1' }));
    expect(result).toEqual({
      accepted: expect.objectContaining({ kind: 'claimed_healed', at: 5_000, receivedAt: 10_000, runbook: 'L1-SSH-001', tier: 'L1', source: 'agent-log' }),
    });
  });

  it('rejects events from before the injection as stale, but tolerates measurement error', () => {
    const c = correlator();
    const stale = c.offer(event({ at: T0 - 30 * 60_000 }));
    expect(reasonOf(stale)).toBe('stale');
    expect('rejected' in stale && stale.rejected.detail).toMatch(/1800000ms before the injection ended/);
    expect(reasonOf(c.offer(event({ at: T0 - 400 })))).toBe('accepted');
  });

  it('corrects the stack time by the measured skew before judging it', () => {
    // the stack's clock runs 2 minutes ahead: its "T0 + 1 min" is before the injection ended
    const c = correlator({ skewMs: 120_000 });
    expect(reasonOf(c.offer(event({ at: T0 + 60_000 })))).toBe('stale');
    const accepted = c.offer(event({ at: T0 + 125_000 }));
    expect('accepted' in accepted && accepted.accepted.at).toBe(5_000);
  });

  it('rejects other hosts and accepts the name, an alias (FQDN) and the address in any case', () => {
    const c = correlator();
    expect(reasonOf(c.offer(event({ host: 'lin-web-2' })))).toBe('other_host');
    expect(reasonOf(c.offer(event({ host: 'LIN-WEB-1.lab.example.', at: T0 + 1 })))).toBe('accepted');
    expect(reasonOf(c.offer(event({ host: '10.20.0.11', at: T0 + 2 })))).toBe('accepted');
  });

  it('never takes a shared loopback address as the host name', () => {
    const local = hostSchema.parse({ ...host, address: '127.0.0.1', aliases: [] });
    expect(reasonOf(correlator({ host: local }).offer(event({ host: '127.0.0.1' })))).toBe('other_host');
  });

  it('rejects other check types and accepts the scenario aliases and the observer alias map', () => {
    const c = correlator({ observerCheckTypeAliases: observerCheckTypeAliases([{ name: 'agent-log', check_type_aliases: { SSH_HARDENING: 'ssh_config', fw: 'firewall' } }]) });
    expect(reasonOf(c.offer(event({ checkType: 'firewall' })))).toBe('other_check');
    expect(reasonOf(c.offer(event({ checkType: 'sshd_config', at: T0 + 1 })))).toBe('accepted');
    expect(reasonOf(c.offer(event({ checkType: 'ssh_hardening', at: T0 + 2 })))).toBe('accepted');
    // an alias of another check type, and an alias declared by another observer, do not count
    expect(reasonOf(c.offer(event({ checkType: 'fw', at: T0 + 3 })))).toBe('other_check');
    expect(reasonOf(c.offer(event({ source: 'telemetry-db', checkType: 'SSH_HARDENING', at: T0 + 4 })))).toBe('other_check');
  });

  it('offers a host-wide event (check type `*`, or a stack name aliased to `*`) to any check on the host, marked host-wide', () => {
    const c = correlator({ observerCheckTypeAliases: observerCheckTypeAliases([{ name: 'agent-log', check_type_aliases: { promise_summary: '*' } }]) });
    const literal = c.offer(event({ checkType: '*' }));
    expect('accepted' in literal && literal.accepted).toMatchObject({ checkType: '*', hostWide: true });
    const aliased = c.offer(event({ checkType: 'Promise_Summary', at: T0 + 1 }));
    expect('accepted' in aliased && aliased.accepted).toMatchObject({ checkType: 'Promise_Summary', hostWide: true });
    // an event that names the check is not host-wide; a host-wide one for another host is still another host's
    const named = c.offer(event({ at: T0 + 2 }));
    expect('accepted' in named && named.accepted.hostWide).toBeUndefined();
    expect(reasonOf(c.offer(event({ checkType: '*', host: 'lin-web-2', at: T0 + 3 })))).toBe('other_host');
    // the alias is the observer's own: another observer's record of that name is another check
    expect(reasonOf(c.offer(event({ source: 'telemetry-db', checkType: 'promise_summary', at: T0 + 4 })))).toBe('other_check');
  });

  it('rejects duplicates by the stack id, or by content when there is no id', () => {
    const c = correlator();
    expect(reasonOf(c.offer(event({ id: '42' })))).toBe('accepted');
    expect(reasonOf(c.offer(event({ id: '42', at: T0 + 9_000 })))).toBe('duplicate');
    expect(reasonOf(c.offer(event({ id: '42', source: 'other-observer' })))).toBe('accepted');
    expect(reasonOf(c.offer(event({ at: T0 + 7_000 })))).toBe('accepted');
    expect(reasonOf(c.offer(event({ at: T0 + 7_000 })))).toBe('duplicate');
    expect(reasonOf(c.offer(event({ at: T0 + 7_000, kind: 'detected' })))).toBe('accepted');
    // the same report written twice under two ids (a retried insert) is one report
    expect(reasonOf(c.offer(event({ id: '43', at: T0 + 8_000 })))).toBe('accepted');
    expect(reasonOf(c.offer(event({ id: '44', at: T0 + 8_000 })))).toBe('duplicate');
  });

  it('rejects an echoed run id of another run and accepts events that echo none', () => {
    const c = correlator();
    expect(reasonOf(c.offer(event({ runId: 'run-0' })))).toBe('other_run');
    expect(reasonOf(c.offer(event({ runId: 'run-1', at: T0 + 1 })))).toBe('accepted');
    expect(reasonOf(c.offer(event({ at: T0 + 2 })))).toBe('accepted');
  });

  it('rejects events after the window', () => {
    expect(reasonOf(correlator().offer(event({ at: T0 + 61_000 })))).toBe('after_window');
    expect(reasonOf(correlator({ until: undefined }).offer(event({ at: T0 + 61_000 })))).toBe('accepted');
  });

  it('keeps malformed records as rejections with their detail', () => {
    const result = correlator().offer({ source: 'agent-log', malformed: true, detail: 'not JSON', raw: '{oops' });
    expect(result).toEqual({ rejected: { source: 'agent-log', reason: 'malformed', detail: 'not JSON', raw: '{oops' } });
    expect(reasonOf(correlator().offer(event({ at: Number.NaN })))).toBe('malformed');
  });

  it('checks host before check type before run before time, so each rejection names the first reason', () => {
    const result = correlator().offer(event({ host: 'other', checkType: 'other', at: T0 - 999_999 }));
    expect('rejected' in result && result.rejected).toMatchObject({ reason: 'other_host', detail: 'event for host other, attempt targets lin-web-1' });
  });
  it('accepts an event exactly at the tolerance before t0 and exactly at the end of the window, nothing beyond', () => {
    expect(reasonOf(correlator().offer(event({ at: T0 - 500 })))).toBe('accepted');
    expect(reasonOf(correlator().offer(event({ at: T0 - 501 })))).toBe('stale');
    expect(reasonOf(correlator().offer(event({ at: T0 + 60_000 })))).toBe('accepted');
    const late = correlator().offer(event({ at: T0 + 60_001 }));
    expect('rejected' in late && late.rejected).toMatchObject({ reason: 'after_window', detail: 'event 1ms after the window closed' });
  });

  it('never takes localhost as the host name either, and ignores blanks around a name', () => {
    const local = hostSchema.parse({ ...host, address: 'localhost', aliases: [] });
    expect(reasonOf(correlator({ host: local }).offer(event({ host: 'localhost' })))).toBe('other_host');
    expect(reasonOf(correlator().offer(event({ host: ' lin-web-1 ' })))).toBe('accepted');
  });

  it('says why in every rejection', () => {
    const c = correlator();
    const detail = (result: ReturnType<Correlator['offer']>) => ('rejected' in result ? result.rejected.detail : 'accepted');
    expect(detail(c.offer(event({ checkType: 'firewall' })))).toBe('event for check firewall, attempt checks ssh_config');
    expect(detail(c.offer(event({ runId: 'run-0' })))).toBe('event carries run id run-0, this run is run-1');
    expect(detail(c.offer(event({ at: Number.NaN })))).toBe('event has no usable timestamp');
    expect(detail(c.offer(event({ id: '7' })))).toBe('accepted');
    expect(detail(c.offer(event({ id: '7', at: T0 + 6_000 })))).toBe('already counted agent-log#7');
    expect(detail(c.offer(event({ id: '8' })))).toBe('already counted agent-log|claimed_healed|1767268805000||');
  });

  it('carries runbook and tier only when the stack named them', () => {
    const result = correlator().offer(event());
    expect(result).toEqual({ accepted: { source: 'agent-log', kind: 'claimed_healed', at: 5_000, host: 'lin-web-1', checkType: 'ssh_config', receivedAt: 10_000, raw: {} } });
    expect(Object.keys('accepted' in result ? result.accepted : {})).not.toContain('runbook');
  });
});

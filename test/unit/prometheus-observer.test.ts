import { describe, expect, it } from 'vitest';
import { counterIncrease, PrometheusObserver, seriesKey } from '../../harness/observers/prometheus.js';
import { observerContext, parseObserver } from '../support/observer-watch.js';

describe('counter increase (Prometheus reset rule)', () => {
  it.each([
    [undefined, 3, 3, 'a series first seen after the baseline: all of it is new'],
    [2, 2, 0, 'unchanged'],
    [2, 5, 3, 'growth'],
    [5, 1, 1, 'a reset: the counter restarted from 0'],
    [5, 0, 0, 'a reset to zero'],
  ])('from %s to %s is %s (%s)', (previous, value, expected, _why) => {
    expect(counterIncrease(previous, value)).toBe(expected);
  });
});

describe('prometheus observer: series to signals', () => {
  const observer = new PrometheusObserver(
    parseObserver({ kind: 'prometheus', name: 'm', url: 'http://127.0.0.1:9', query: 'q', fields: { host: 'instance', check_type: 'check', kind: 'result' }, kinds: { ok: 'claimed_healed' } }),
    observerContext(),
  );
  const series = (labels: Record<string, string>, value: number) => ({ labels: { __name__: 'remediations_total', ...labels }, value, sampledAt: 1_000 });

  it('maps labels through `fields` and `kinds`, keys the report by series and value, and keeps the query as evidence', () => {
    const previous = new Map([[seriesKey({ __name__: 'remediations_total', instance: 'web1', check: 'fw', result: 'ok' }), 1]]);
    const [signal] = observer.increases([series({ instance: 'web1', check: 'fw', result: 'ok' }, 2)], previous);
    expect(signal).toMatchObject({ kind: 'claimed_healed', host: 'web1', checkType: 'fw', at: 1_000, raw: { query: 'q', previous: 1, value: 2 } });
    expect((signal as { id: string }).id).toMatch(/@2$/);
    // the baseline moved: the same reading again is no new signal
    expect(observer.increases([series({ instance: 'web1', check: 'fw', result: 'ok' }, 2)], previous)).toEqual([]);
  });

  it('a series without the host label, or with an unmapped kind, is malformed (not silently dropped)', () => {
    const outputs = observer.increases([series({ check: 'fw', result: 'ok' }, 1), series({ instance: 'web1', check: 'fw', result: 'weird' }, 1)], new Map());
    expect(outputs.map((o) => ('malformed' in o ? o.detail : o.kind))).toEqual(['field instance (host) is missing', expect.stringMatching(/kind "weird", which maps to no signal kind/)]);
  });

  it('default_signal serves series that carry no kind label', () => {
    const plain = new PrometheusObserver(
      parseObserver({ kind: 'prometheus', name: 'm', url: 'http://127.0.0.1:9', query: 'q', fields: { host: 'instance', check_type: 'check' }, default_signal: 'claimed_healed' }),
      observerContext(),
    );
    expect(plain.increases([series({ instance: 'web1', check: 'fw' }, 1)], new Map())).toMatchObject([{ kind: 'claimed_healed' }]);
  });
});

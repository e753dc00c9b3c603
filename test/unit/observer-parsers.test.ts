import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpObserver } from '../../harness/observers/http.js';
import { LogObserver } from '../../harness/observers/log.js';
import { retryAfterMs } from '../../harness/observers/http-client.js';
import { observerContext, parseObserver } from '../support/observer-watch.js';
import { compileQuery, quoteIdentifier, ruleKind } from '../../harness/observers/postgres-query.js';
import { SseParser } from '../../harness/observers/sse.js';
import { signatureMatches, signBody } from '../../harness/observers/webhook.js';

describe('SSE parser', () => {
  it('joins multi-line data, keeps ids and retry, skips comments and events without data', () => {
    const parser = new SseParser();
    const messages = parser.push(': keepalive\nretry: 250\nid: 7\nevent: heal\ndata: {"a":\ndata: 1}\n\nevent: ping\n\ndata:plain\n\n');
    expect(messages).toEqual([
      { event: 'heal', data: '{"a":\n1}', lastEventId: '7' },
      { event: 'message', data: 'plain', lastEventId: '7' },
    ]);
    expect(parser.retryMs).toBe(250);
  });

  it('gives the same messages however the stream is cut into chunks, with LF, CR or CRLF line ends', () => {
    const body = 'id: 1\ndata: first\n\nid: 2\ndata: second\ndata: line\n\n: c\ndata: third\n\n';
    const expected = new SseParser().push(body);
    fc.assert(
      fc.property(fc.constantFrom('\n', '\r', '\r\n'), fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 20 }), (eol, cuts) => {
        const text = body.replaceAll('\n', eol);
        const parser = new SseParser();
        const got = [];
        let position = 0;
        for (const cut of [...cuts, text.length]) {
          got.push(...parser.push(text.slice(position, position + cut)));
          position += cut;
          if (position >= text.length) break;
        }
        if (position < text.length) got.push(...parser.push(text.slice(position)));
        expect(got).toEqual(expected);
      }),
    );
  });
});

describe('postgres query parameters', () => {
  it('turns named parameters into $n, reusing the number of a repeated name', () => {
    const compiled = compileQuery('db', 'SELECT * FROM t WHERE host = :host AND (created_at >= :cursor OR :cursor IS NULL) AND hostname = ANY(:host_names)');
    expect(compiled.text).toBe('SELECT * FROM t WHERE host = $1 AND (created_at >= $2 OR $2 IS NULL) AND hostname = ANY($3)');
    expect(compiled.order).toEqual(['host', 'cursor', 'host_names']);
  });

  it('leaves casts, string literals, quoted identifiers and comments alone', () => {
    const compiled = compileQuery('db', `SELECT ':host' AS a, "x:host" , created_at::date -- :cursor\n/* :since */ FROM t WHERE c = :check_type`);
    expect(compiled.text).toBe(`SELECT ':host' AS a, "x:host" , created_at::date -- :cursor\n/* :since */ FROM t WHERE c = $1`);
    expect(compiled.order).toEqual(['check_type']);
  });

  it('refuses unknown parameters with the list of known ones', () => {
    expect(() => compileQuery('db', 'SELECT :campaign')).toThrow('observer db: query uses unknown parameter :campaign (known: :host, :host_names, :check_type, :since, :run_id, :cursor)');
  });

  it('applies the first rule whose columns all match', () => {
    const rules = [
      { when: { success: true }, kind: 'claimed_healed' as const },
      { when: { success: false, resolution_level: ['L3', 'human'] }, kind: 'escalated' as const },
      { when: { success: false, error_message: null }, kind: 'suppressed' as const },
      { when: { success: 'false' }, kind: 'heal_failed' as const },
    ];
    expect(ruleKind(rules, { success: true })).toBe('claimed_healed');
    expect(ruleKind(rules, { success: false, resolution_level: 'L3' })).toBe('escalated');
    expect(ruleKind(rules, { success: false, resolution_level: 'L1', error_message: null })).toBe('suppressed');
    expect(ruleKind(rules, { success: false, resolution_level: 'L1', error_message: 'boom' })).toBe('heal_failed');
    expect(ruleKind(rules, { success: null })).toBeUndefined();
    expect(quoteIdentifier('odd"name')).toBe('"odd""name"');
  });
});

describe('small protocol helpers', () => {
  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('signs and verifies webhook bodies', () => {
    const body = Buffer.from('{"kind":"healed"}');
    expect(signatureMatches(body, signBody(body, 'k'), 'k')).toBe(true);
    expect(signatureMatches(body, signBody(body, 'k2'), 'k')).toBe(false);
    expect(signatureMatches(body, 'sha1=abc', 'k')).toBe(false);
    expect(signatureMatches(body, undefined, 'k')).toBe(false);
  });
});

describe('http poll responses', () => {
  const observer = (extra: Record<string, unknown>) => new HttpObserver(parseObserver({ kind: 'http', name: 'api', url: 'http://127.0.0.1:9/events', ...extra }), observerContext());
  const item = (at: string) => ({ kind: 'healed', at, host: 'h', check_type: 'c' });

  it('moves the cursor to the newest event time, in the configured format, never backwards', () => {
    const body = JSON.stringify([item('2026-01-01T12:00:05Z'), item('2026-01-01T12:00:09Z'), item('2026-01-01T12:00:07Z')]);
    expect(observer({}).parsePoll(body, '2026-01-01T12:00:00.000Z').cursor).toBe('2026-01-01T12:00:09.000Z');
    expect(observer({ since_format: 'epoch_s' }).parsePoll(body, '0').cursor).toBe(String(Date.UTC(2026, 0, 1, 12, 0, 9) / 1000));
    expect(observer({}).parsePoll(body, '2026-01-01T13:00:00.000Z').cursor).toBe('2026-01-01T13:00:00.000Z');
  });

  it('takes an opaque cursor from the body and items from a JSON path', () => {
    const poll = observer({ items: 'page.items', cursor: 'page.next' }).parsePoll(JSON.stringify({ page: { items: [item('2026-01-01T12:00:05Z')], next: 'tok-2' } }), 'tok-1');
    expect(poll).toMatchObject({ cursor: 'tok-2', outputs: [{ kind: 'claimed_healed', host: 'h' }] });
  });

  it('reports a body that is not JSON or has no array, and keeps the cursor', () => {
    expect(observer({}).parsePoll('<html>', 'c1')).toMatchObject({ cursor: 'c1', outputs: [{ malformed: true, detail: expect.stringMatching(/^response is not JSON/) }] });
    expect(observer({ items: 'data' }).parsePoll('{"error":"x"}', 'c1')).toMatchObject({ cursor: 'c1', outputs: [{ malformed: true, detail: 'response has no array at data' }] });
  });
});

describe('log lines that name no host', () => {
  const observer = (extra: Record<string, unknown>) => new LogObserver(parseObserver({ kind: 'log', name: 'agent-log', path: '/var/log/agent.log', ...extra }), observerContext());

  it.each([
    { format: 'jsonl', line: '{"kind":"healed","at":1767268800000,"check_type":"ssh_config"}', extra: {} },
    { format: 'regex', line: '2026-01-01T12:00:00Z healed ssh_config', extra: { format: 'regex', pattern: '^(?<at>\\S+) (?<kind>\\S+) (?<check_type>\\S+)$' } },
  ])('$format: a line without a host is about the host whose file it is; a line naming one keeps it', ({ line, extra }) => {
    const target = observer(extra);
    expect(target.parseLine(line, 'lin-web-1')).toEqual([expect.objectContaining({ host: 'lin-web-1', kind: 'claimed_healed', checkType: 'ssh_config' })]);
  });

  it('a host named by the line wins over the file\'s host (a central log of many hosts)', () => {
    const line = '{"kind":"healed","at":1767268800000,"check_type":"ssh_config","host":"lin-db-1"}';
    expect(observer({ host: 'log-server' }).parseLine(line, 'log-server')).toEqual([expect.objectContaining({ host: 'lin-db-1' })]);
  });
});

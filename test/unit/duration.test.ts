import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../harness/core/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** The rule (harness/config/fields.ts, scenario docs): `500ms`, `90s`, `2m`, `1h30m`, or a bare number of seconds. */
describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['1ms', 1],
    ['90s', 90 * S],
    ['2m', 2 * M],
    ['1h', H],
    ['2h', 2 * H],
    // every part counts, in any order, and units may repeat
    ['1h30m', H + 30 * M],
    ['1m30s', M + 30 * S],
    ['1h1m1s1ms', H + M + S + 1],
    ['30m1h', H + 30 * M],
    ['1s1s', 2 * S],
    // decimals in any part
    ['1.5s', 1500],
    ['1.5h', 1.5 * H],
    ['0.25m', 15 * S],
    ['1h0.5m', H + 30 * S],
    ['0s', 0],
    // a bare number is seconds, never milliseconds
    ['90', 90 * S],
    ['0.5', 500],
    ['0.25', 250],
    ['0', 0],
    // surrounding blanks (YAML block scalars) are ignored
    ['  90s \n', 90 * S],
    [' 90 ', 90 * S],
  ] as const)('"%s" is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    [90, 90 * S],
    [1, S],
    [0.5, 500],
    [0, 0],
  ] as const)('the number %d is seconds: %d ms', (seconds, ms) => {
    expect(parseDuration(seconds)).toBe(ms);
  });

  it.each([
    '',
    ' ',
    's',
    'ms',
    '90x',
    'x90',
    'x90s',
    '90sx',
    '90 s',
    '1h 30m',
    '-5s',
    '-5',
    '1.5.2s',
    '.5s',
    '5.s',
    '1d',
    '90S',
    '1h30',
    'ms500',
  ])('"%s" is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('the number %d is not a duration', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });
});

/** Reports show the coarsest unit that still says something: ms below 1 s, one decimal below 10 s, whole seconds below 1 min, then minutes and seconds. */
describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [1, '1ms'],
    [999, '999ms'],
    [12.4, '12ms'],
    [1000, '1.0s'],
    [1500, '1.5s'],
    [9940, '9.9s'],
    [10_000, '10s'],
    [10_400, '10s'],
    [10_600, '11s'],
    [59_000, '59s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [61_600, '1m2s'],
    [61_400, '1m1s'],
    [119_000, '1m59s'],
    [120_000, '2m'],
    [H, '60m'],
    [H + 30 * M, '90m'],
  ] as const)('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('%d has no duration: an em dash', (ms) => {
    expect(formatDuration(ms)).toBe('—');
  });

  it('reads back what parseDuration read', () => {
    for (const text of ['500ms', '45s', '2m', '1m30s']) expect(formatDuration(parseDuration(text)!)).toBe(text);
  });
});

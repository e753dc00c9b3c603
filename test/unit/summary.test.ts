import { beforeEach, describe, expect, it } from 'vitest';
import type { AttemptResult } from '../../harness/model/run-model.js';
import { headline, percentile, score, summarize } from '../../harness/model/summary.js';
import { buildAttempt, type AttemptSpec } from '../fixtures/runs/build-attempt.js';
import { CATALOGUE } from '../fixtures/runs/catalogue.js';

let attemptCount = 0;

/** One attempt of a catalogue scenario with the given outcome (and restore time in seconds). */
function attempt(scenarioId: keyof typeof CATALOGUE, outcome: AttemptSpec['outcome'], restoreS?: number, overrides: Partial<AttemptSpec> = {}): AttemptResult {
  const base = CATALOGUE[scenarioId]!;
  const healing = outcome === 'healed' || outcome === 'healed_late' || outcome === 'flapped' || outcome === 'silent_heal';
  const spec: AttemptSpec = {
    ...base,
    outcome,
    detectS: typeof outcome === 'string' ? 5 : undefined,
    ...(healing && { restoreS: restoreS ?? 30, claimS: outcome === 'silent_heal' ? undefined : (restoreS ?? 30) - 1 }),
    ...(outcome === 'false_heal' && { claimS: 20 }),
    ...(outcome === 'escalated' && { claimS: 20 }),
    ...overrides,
  };
  attemptCount += 1;
  return buildAttempt(spec, `a${attemptCount}`, 0);
}

describe('percentile (nearest rank: the smallest value with at least p % of the values at or below it)', () => {
  it.each([
    [[], 50, undefined],
    [[7], 50, 7],
    [[7], 95, 7],
    [[1, 2], 50, 1],
    [[1, 2], 95, 2],
    [[1, 2, 3], 50, 2],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 75, 3],
    [[1, 2, 3, 4], 100, 4],
    [[1, 2, 3, 4], 0, 1],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 50, 50],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 95, 100],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90, 90],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 91, 100],
    [Array.from({ length: 20 }, (_, i) => i + 1), 95, 19],
    [Array.from({ length: 20 }, (_, i) => i + 1), 50, 10],
  ] as const)('of %j at p%d is %s', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('sorts numerically and leaves its input alone', () => {
    const values = [900, 80, 1000, 7];
    expect(percentile(values, 50)).toBe(80);
    expect(percentile(values, 95)).toBe(1000);
    expect(values).toEqual([900, 80, 1000, 7]);
  });
});

describe('score: passes / (attempts − inconclusive − skipped)', () => {
  it('keeps lab failures and skips out of the denominator, and counts only passes above it', () => {
    const attempts = [
      attempt('lin-firewall', 'healed'),
      attempt('lin-rsyslog', 'not_healed'),
      attempt('lin-audit', 'false_heal'),
      attempt('lin-suid', { inconclusive: 'transport_lost', detail: 'probe failed' }),
      attempt('lin-cron-perms', { skipped: 'filtered', detail: 'does not match --grep ssh' }),
    ];
    expect(score(attempts)).toEqual({ passed: 1, scored: 3, excluded: 2, inconclusive: 1, skipped: 1, rate: 1 / 3 });
  });

  it('has no rate when nothing was scored, instead of 0 % or 100 %', () => {
    expect(score([])).toEqual({ passed: 0, scored: 0, excluded: 0, inconclusive: 0, skipped: 0, rate: undefined });
    expect(score([attempt('win-dc-dns', { skipped: 'platform_unavailable', detail: 'lab has no windows host' })])).toEqual({ passed: 0, scored: 0, excluded: 1, inconclusive: 0, skipped: 1, rate: undefined });
  });
});

describe('summarize', () => {
  const attempts = [
    attempt('lin-ssh-root-login', 'healed', 40),
    attempt('lin-ssh-password-auth', 'healed', 10),
    attempt('lin-firewall', 'healed_late', 400),
    attempt('lin-rsyslog', 'flapped', 5),
    attempt('lin-audit', 'silent_heal', 3),
    attempt('lin-suid', 'not_healed'),
    attempt('lin-ip-forward', { inconclusive: 'transport_lost', detail: 'probe failed' }),
    attempt('lin-cron-perms', { inconclusive: 'baseline_dirty', detail: 'drifted before injection' }),
    attempt('win-dc-firewall', { inconclusive: 'transport_lost', detail: 'WinRM timed out' }),
    attempt('win-dc-dns', { skipped: 'platform_unavailable', detail: 'lab has no windows host' }),
    attempt('win-ws-firewall', 'escalated'),
  ];
  // Summarized inside each test, not while the file is collected: mutation testing can then tell which tests read which code.
  let summary: ReturnType<typeof summarize>;
  beforeEach(() => {
    summary = summarize({ attempts });
  });

  it('takes p50/p95 of restore times over healed and healed_late attempts only', () => {
    // 10 s, 40 s (healed) and 400 s (healed late); the flap (5 s) and the silent heal (3 s) restored but are not heals.
    expect(summary.timeToRestore).toEqual({ p50: 40_000, p95: 400_000, count: 3 });
  });

  it('has no percentiles when nothing healed', () => {
    expect(summarize({ attempts: [attempt('lin-suid', 'not_healed')] }).timeToRestore).toEqual({ p50: undefined, p95: undefined, count: 0 });
  });

  it('counts every verdict kind, zero included', () => {
    expect(summary.total).toBe(11);
    expect(summary.verdicts).toEqual({ healed: 2, healed_late: 1, flapped: 1, false_heal: 0, silent_heal: 1, escalated: 1, not_healed: 1, inconclusive: 3, skipped: 1 });
    expect(summary.inconclusiveReasons).toEqual({ transport_lost: 2, baseline_dirty: 1 });
  });

  it('counts each funnel step over all attempts', () => {
    expect(summary.funnel).toEqual({ injected: 9, driftConfirmed: 9, detected: 7, claimed: 4, restored: 5, stayedRestored: 4 });
  });

  it('scores the whole run and each platform, host, tag and tier without inconclusive or skipped attempts', () => {
    expect(summary.score).toEqual({ passed: 2, scored: 7, excluded: 4, inconclusive: 3, skipped: 1, rate: 2 / 7 });
    expect(summary.byPlatform).toEqual([
      { key: 'linux', passed: 2, scored: 6, excluded: 2, inconclusive: 2, skipped: 0, rate: 2 / 6 },
      { key: 'windows', passed: 0, scored: 1, excluded: 2, inconclusive: 1, skipped: 1, rate: 0 },
    ]);
    expect(summary.byHost.map((h) => [h.key, h.passed, h.scored])).toEqual([
      ['lab-dc-1', 0, 0],
      ['lab-lin-1', 2, 3],
      ['lab-lin-2', 0, 3],
      ['lab-ws-1', 0, 1],
    ]);
    // tags of an attempt are its category and its own tags; keys sorted
    expect(summary.byTag.find((t) => t.key === 'ssh')).toMatchObject({ key: 'ssh', passed: 2, scored: 2, rate: 1 });
    expect(summary.byTag.find((t) => t.key === 'linux')).toMatchObject({ key: 'linux', passed: 2, scored: 6, rate: 2 / 6 });
    expect(summary.byTag.map((t) => t.key)).toEqual([...summary.byTag.map((t) => t.key)].sort((a, b) => a.localeCompare(b)));
    expect(summary.byTier).toEqual([{ key: 'L1', passed: 2, scored: 7, excluded: 4, inconclusive: 3, skipped: 1, rate: 2 / 7 }]);
  });

  it('groups attempts without a tier under "any" and tags without a category by their tags alone', () => {
    const plain = attempt('lin-suid', 'healed', 10, { expect: { outcome: 'heal' }, category: undefined, tags: ['custom'] });
    const s = summarize({ attempts: [plain] });
    expect(s.byTier).toMatchObject([{ key: 'any', passed: 1, scored: 1, excluded: 0, rate: 1 }]);
    expect(s.byTag).toMatchObject([{ key: 'custom', passed: 1, scored: 1, excluded: 0, rate: 1 }]);
  });
});

describe('headline', () => {
  it('says passes over scored attempts, rounded percent, and each platform', () => {
    const summary = summarize({ attempts: [attempt('lin-ssh-root-login', 'healed'), attempt('lin-suid', 'not_healed'), attempt('lin-audit', 'healed'), attempt('win-dc-dns', 'healed')] });
    expect(headline(summary)).toBe('3/4 passed (75%) — Linux 2/3, Windows 1/1');
  });

  it('rounds to whole percent and says n/a when nothing was scored', () => {
    const twoOfThree = summarize({ attempts: [attempt('lin-ssh-root-login', 'healed'), attempt('lin-audit', 'healed'), attempt('lin-suid', 'not_healed')] });
    expect(headline(twoOfThree)).toBe('2/3 passed (67%) — Linux 2/3');
    expect(headline(summarize({ attempts: [] }))).toBe('0/0 passed (n/a)');
  });

  it('names only platforms with scored attempts: a Linux-only lab does not show "Windows 0/0" for its skipped Windows scenarios', () => {
    const linuxLab = summarize({ attempts: [attempt('lin-ssh-root-login', 'healed'), attempt('win-dc-dns', { skipped: 'platform_unavailable', detail: 'lab has no windows host' })] });
    expect(linuxLab.byPlatform.map((p) => p.key)).toEqual(['linux', 'windows']);
    expect(headline(linuxLab)).toBe('1/1 passed (100%) — Linux 1/1');
    const nothingRan = summarize({ attempts: [attempt('win-dc-dns', { skipped: 'platform_unavailable', detail: 'lab has no windows host' })] });
    expect(headline(nothingRan)).toBe('0/0 passed (n/a)');
  });
});

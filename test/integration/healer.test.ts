import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { clearLeftovers, healerRules, injectOnce, linuxCatalogue, revertOnce, startLabHost, type CatalogueCase, type HealerRule, type LabHostFixture } from '../support/lab.js';

/**
 * The reference healer inside the real lab image (scan every 1 s): for each
 * catalogue scenario it heals what it has a rule for (and the ground-truth check
 * agrees), escalates what its rules escalate, reports heal_failed for the
 * placeholder rule, and says nothing where it has no rule.
 */
const SUITE = 'healer';
const PLACEHOLDER_RUNBOOK = 'RB-LIN-SMB-001';
let host: LabHostFixture;
let cases: CatalogueCase[];
let rules: HealerRule[];

interface Event {
  kind: string;
  check_type: string;
  runbook: string;
  ts: number;
  at: string;
  seq: number;
}

async function events(since: number): Promise<Event[]> {
  return JSON.parse(await host.healerGet(`/events?since=${since}`)) as Event[];
}

async function health(): Promise<{ status: string; scans: number; rules: number; host: string }> {
  return JSON.parse(await host.healerGet('/health')) as { status: string; scans: number; rules: number; host: string };
}

beforeAll(async () => {
  await clearLeftovers(SUITE);
  [cases, rules] = await Promise.all([linuxCatalogue(), healerRules()]);
  host = await startLabHost(SUITE, { healer: true, interval: '1s' });
  await waitFor(async () => ((await health()).scans > 0 ? true : undefined), { clock: systemClock, timeoutMs: 30_000, intervalMs: 500, description: 'the first healer scan' });
  // The first test process on a fresh machine builds the lab image (debootstrap: minutes).
}, 900_000);

afterAll(async () => {
  await host?.[Symbol.asyncDispose]();
});

describe('reference healer in the lab image', () => {
  it('serves /health with its host name and rule count, and starts with no drift at baseline', async () => {
    const state = await health();
    expect(state).toMatchObject({ status: 'ok', host: 'lab-test-host', rules: rules.length });
    expect(await events(0)).toEqual([]);
  });

  it('heals, escalates or fails exactly as its rules say, for every catalogue scenario', async () => {
    const problems: string[] = [];
    for (const { scenario, commands } of cases) {
      const rule = rules.find((r) => r.runbook === scenario.expect.runbook && r.check_type === scenario.check_type);
      const hostNow = Number((await host.sh('date +%s%3N')).stdout.trim());
      const injected = await injectOnce(host, commands);
      if (!injected.driftedAfter) problems.push(`${scenario.id}: injection did not take`);
      const expected = !rule ? undefined : rule.action === 'escalate' ? 'escalated' : rule.runbook === PLACEHOLDER_RUNBOOK ? 'heal_failed' : 'healed';
      if (expected) {
        const seen = await waitFor(
          async () => (await events(hostNow)).find((e) => e.check_type === scenario.check_type && e.kind === expected),
          { clock: systemClock, timeoutMs: 30_000, intervalMs: 500, description: `${expected} for ${scenario.id}` },
        ).catch(() => undefined);
        if (!seen) problems.push(`${scenario.id}: no ${expected} event`);
        else if (seen.runbook !== scenario.expect.runbook) problems.push(`${scenario.id}: runbook ${seen.runbook}, expected ${scenario.expect.runbook}`);
        const compliant = (await host.sh(commands.check)).exitCode === 0;
        if (expected === 'healed' && !compliant) problems.push(`${scenario.id}: healer claimed a heal but the check still fails`);
        if (expected !== 'healed' && compliant) problems.push(`${scenario.id}: fixed although the rule does not heal`);
      } else {
        // No rule: two full scans after the injection must leave no event about it.
        const scans = (await health()).scans;
        await waitFor(async () => ((await health()).scans >= scans + 2 ? true : undefined), { clock: systemClock, timeoutMs: 30_000, intervalMs: 500, description: 'two scans' });
        const about = (await events(hostNow)).filter((e) => e.check_type === scenario.check_type);
        if (about.length) problems.push(`${scenario.id}: no rule, yet events ${about.map((e) => e.kind).join(',')}`);
      }
      const reverted = await revertOnce(host, commands, injected.snapshot);
      if (!reverted.compliant) problems.push(`${scenario.id}: not compliant after revert`);
    }
    expect(problems).toEqual([]);
  }, 600_000);

  it('streams events over SSE and suppresses a check that keeps flapping', async () => {
    const rsyslog = cases.find((c) => c.scenario.id === 'lin-rsyslog')!;
    const start = Number((await host.sh('date +%s%3N')).stdout.trim());
    // Collect the SSE stream inside the host while rsyslog is stopped again and again.
    const request = `GET /events/stream?since=${start} HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n`;
    const stream = host.sh(`timeout 40 bash -c 'exec 3<>/dev/tcp/127.0.0.1/7070 && printf "${request}" >&3 && cat <&3' || true`);
    let suppressed: Event | undefined;
    for (let round = 0; round < 6 && !suppressed; round += 1) {
      await host.sh(`${rsyslog.commands.inject}; sleep 2`);
      suppressed = (await events(start)).find((e) => e.check_type === 'logging' && e.kind === 'suppressed');
    }
    // The flap counter also holds the heals of the catalogue test above (same 10 min window), so
    // suppression may start before this test's first heal: count the heals since the healer started.
    const logging = (await events(0)).filter((e) => e.check_type === 'logging');
    expect(suppressed?.kind).toBe('suppressed');
    const heals = logging.filter((e) => e.kind === 'healed');
    expect(heals.length).toBeGreaterThanOrEqual(1);
    expect(heals.length).toBeLessThanOrEqual(3); // flap_threshold of lab/healer/rules/default.yaml
    expect(heals.every((e) => e.seq < suppressed!.seq)).toBe(true);
    const sse = (await stream).stdout;
    expect(sse).toContain('event: suppressed');
    expect(sse).toMatch(/data: \{.*"kind":"suppressed"/);
    await host.sh('lab-service start rsyslog');
  }, 300_000);
});

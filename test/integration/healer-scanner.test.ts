import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLog } from '../../lab/healer/src/events.js';
import { parseRules, RuleError } from '../../lab/healer/src/rules.js';
import { Scanner } from '../../lab/healer/src/scanner.js';
import { tempDir } from '../support/tmp.js';

/**
 * The healer's scan loop with real shell commands on temp files (the same code
 * that runs in the lab image): verify before claiming, escalation, cooldown and
 * flap suppression, one signal per incident.
 */
let dir: Awaited<ReturnType<typeof tempDir>>;
let now: number;

beforeEach(async () => {
  dir = await tempDir('chaoslab-healer-');
  now = Date.UTC(2026, 0, 1);
});
afterEach(async () => {
  await dir[Symbol.asyncDispose]();
});

function scanner(rulesYaml: string): { scan: Scanner; log: EventLog; kinds: () => Promise<string[]> } {
  const file = join(dir.path, 'events.jsonl');
  const log = new EventLog(file, 'test-host', () => now);
  const scan = new Scanner(parseRules(rulesYaml, 'rules.yaml'), log, { intervalMs: 1000, rescanAfterDriftMs: 500, now: () => now });
  const kinds = async () => (existsSync(file) ? (await readFile(file, 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { kind: string; rule_id: string }).kind) : []);
  return { scan, log, kinds };
}

describe('healer scan loop', () => {
  it('claims a heal only after detect passes again, and reports heal_failed otherwise', async () => {
    const ok = join(dir.path, 'ok');
    const { scan, kinds } = scanner(`
rules:
  - {id: FIX, check_type: fixable, runbook: RB-1, detect: 'test -e ${ok}', remediate: 'touch ${ok}'}
  - {id: NOFIX, check_type: broken, runbook: RB-2, cooldown: 1m, detect: 'false', remediate: 'true'}
`);
    expect(await scan.scanOnce()).toBe(true);
    expect(await kinds()).toEqual(['detected', 'healed', 'detected', 'heal_failed']);
    now += 5_000;
    await scan.scanOnce();
    // Still broken, inside the cooldown: one `suppressed`, no new detected/heal attempt.
    expect((await kinds()).slice(4)).toEqual(['suppressed']);
    now += 5_000;
    await scan.scanOnce();
    expect((await kinds()).length).toBe(5);
  });

  it('escalates once per incident and never remediates an escalate rule', async () => {
    const marker = join(dir.path, 'remediated');
    const { scan, kinds } = scanner(`
rules:
  - {id: ESC, check_type: dns_config, tier: L3, action: escalate, runbook: RB-3, detect: 'false', remediate: 'touch ${marker}'}
`);
    await scan.scanOnce();
    await scan.scanOnce();
    expect(await kinds()).toEqual(['detected', 'escalated']);
    expect(existsSync(marker)).toBe(false);
  });

  it('suppresses a check that flaps past the threshold within the window', async () => {
    const ok = join(dir.path, 'ok');
    const { scan, log, kinds } = scanner(`
flap_threshold: 2
flap_window: 10m
rules:
  - {id: FLAP, check_type: logging, runbook: RB-4, detect: 'test -e ${ok}', remediate: 'touch ${ok}'}
`);
    for (let round = 0; round < 3; round += 1) {
      await rm(ok, { force: true });
      now += 1_000;
      await scan.scanOnce();
    }
    expect(await kinds()).toEqual(['detected', 'healed', 'detected', 'healed', 'detected', 'suppressed']);
    expect(log.since(now - 1).map((e) => e.kind)).toEqual(['detected', 'suppressed']);
  });

  it('rejects bad rule files naming the file, the rule and the field', () => {
    expect(() => parseRules('rules:\n  - {id: A, check_type: x, runbook: R, detect: "true", action: heal}\n', 'r.yaml')).toThrow(
      new RuleError('r.yaml rules[0].remediate: a heal rule needs a remediate command'),
    );
    expect(() => parseRules('rules:\n  - {id: A, check_type: x, runbook: R, detect: "true", tier: L9}\n', 'r.yaml')).toThrow(/rules\[0\]\.tier: must be L1, L2 or L3/);
    expect(() => parseRules('rules:\n  - {id: A, check_type: x, runbook: R, detect: "true", remediate: "true", cooldown: soon}\n', 'r.yaml')).toThrow(/cooldown: must be a duration/);
    expect(() => parseRules('nope: 1\n', 'r.yaml')).toThrow(/expected a mapping with a `rules` list/);
  });
});

describe('healer drift confirmation', () => {
  it('acts only when drift is still there confirm_drift after it was first seen', async () => {
    const ok = join(dir.path, 'ok');
    const { scan, kinds } = scanner(`
confirm_drift: 2s
rules:
  - {id: DEB, check_type: logging, runbook: RB-5, detect: 'test -e ${ok}', remediate: 'touch ${ok}'}
`);
    await scan.scanOnce();
    expect(await kinds()).toEqual(['detected']);
    now += 1_000;
    await scan.scanOnce();
    expect(existsSync(ok)).toBe(false);
    now += 1_500;
    await scan.scanOnce();
    expect(await kinds()).toEqual(['detected', 'healed']);
  });
});

import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ObserverUnavailableError } from '../../harness/core/errors.js';
import { LogObserver } from '../../harness/observers/log.js';
import { createSshTransport } from '../../harness/transport/ssh.js';
import type { Transport } from '../../harness/transport/transport.js';
import { fixtureTransportContext, sshdHostConfig, startSshd, type SshdFixture } from '../support/sshd.js';
import { observerContext, parseObserver, startWatch, type RunningWatch } from '../support/observer-watch.js';

let sshd: SshdFixture;
let transport: Transport;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  sshd = await startSshd();
  transport = createSshTransport(sshdHostConfig(sshd, { name: 'lin-app-1' }), fixtureTransportContext(), { backoffBaseMs: 50, backoffMaxMs: 500 });
});
afterAll(async () => {
  await transport?.close();
  await sshd?.[Symbol.asyncDispose]();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const host = () => sshdHostConfig(sshd, { name: 'lin-app-1' });

function logObserver(path: string, extra: Record<string, unknown> = {}, over: Transport = transport): LogObserver {
  const created = new LogObserver(parseObserver({ kind: 'log', name: 'agent-log', path, ...extra }), observerContext({ transportFor: () => over }));
  cleanups.push(() => created.close());
  return created;
}

function watch(target: LogObserver, since = Date.now()): RunningWatch {
  const running = startWatch(target, { host: host(), checkType: 'ssh_config', since });
  cleanups.push(() => running.stop());
  return running;
}

const line = (fields: Record<string, unknown>) => `${JSON.stringify({ kind: 'healed', at: new Date().toISOString(), host: 'lin-app-1', check_type: 'ssh_config', ...fields })}\n`;

describe('log observer over real sshd', () => {
  it('streams a JSONL log, maps JSON paths and kinds, and rejects stale, foreign and malformed lines', async () => {
    const path = join(sshd.dir, 'agent-jsonl.log');
    await writeFile(path, line({ event: 'L1_HEALED', at: Date.now() - 3_600_000, details: { hostname: 'lin-app-1' } }));
    const target = logObserver(path, { fields: { host: 'details.hostname', kind: 'event' }, kinds: { L1_HEALED: 'claimed_healed', DRIFT_SUPPRESSED: 'suppressed' } });
    const running = watch(target);
    await running.until('the stale line', () => running.rejected.length === 1);
    const now = Date.now();
    await appendFile(path, [
      line({ event: 'drift', at: now, details: { hostname: 'lin-app-1' } }),
      line({ event: 'L1_HEALED', at: now + 1, details: { hostname: 'lin-app-2' } }),
      '{"truncated": \n',
      line({ event: 'DRIFT_SUPPRESSED', at: Math.floor(now / 1000) + 2, details: { hostname: 'lin-app-1' } }),
      line({ event: 'L1_HEALED', at: now + 3000, runbook: 'L1-SSH-001', tier: 'L1', details: { hostname: 'lin-app-1' } }),
    ].join(''));
    await running.until('every new line', () => running.outputs.length === 6);
    expect(running.accepted.map((s) => [s.kind, s.runbook])).toEqual([['detected', undefined], ['suppressed', undefined], ['claimed_healed', 'L1-SSH-001']]);
    expect(running.rejected.map((r) => r.reason)).toEqual(['stale', 'other_host', 'malformed']);
  });

  it('parses regex lines with named groups and skips lines that are not events', async () => {
    const path = join(sshd.dir, 'agent-text.log');
    await writeFile(path, '');
    const target = logObserver(path, {
      format: 'regex',
      pattern: '^(?<at>\\S+) (?<tier>L\\d) (?<kind>healed|ESCALATION) (?<host>[^/]+)/(?<check_type>\\S+)(?: via (?<runbook>\\S+))?',
      kinds: { ESCALATION: 'escalated' },
    });
    const running = watch(target);
    const at = () => new Date().toISOString();
    await appendFile(path, `${at()} scan cycle started\n${at()} L1 healed lin-app-1/ssh_config via L1-SSH-001 in 420ms\n${at()} L3 ESCALATION lin-app-1/ssh_config\n`);
    await running.until('two events', () => running.accepted.length === 2);
    expect(running.accepted.map((s) => [s.kind, s.tier, s.runbook])).toEqual([['claimed_healed', 'L1', 'L1-SSH-001'], ['escalated', 'L3', undefined]]);
    expect(running.rejected).toEqual([]);
  });

  it('resumes after sshd is killed mid-tail without delivering old lines again', async () => {
    const path = join(sshd.dir, 'agent-resume.log');
    await writeFile(path, line({ id: 'before' }));
    const running = watch(logObserver(path), Date.now() - 60_000);
    await running.until('the first line', () => running.accepted.length === 1);
    await sshd.kill();
    await appendFile(path, line({ id: 'while-down' }));
    await sshd.restart();
    await appendFile(path, line({ id: 'after' }));
    await running.until('the lines written while down and after', () => running.outputs.length >= 3, 30_000);
    expect(running.outputs.map((o) => ('malformed' in o ? 'malformed' : o.id))).toEqual(['before', 'while-down', 'after']);
    expect(running.error()).toBeUndefined();
  });

  it('is unavailable when the host cannot be reached, and its probe says the file is missing', async () => {
    const down = await startSshd();
    const lost = createSshTransport(sshdHostConfig(down, { name: 'lin-app-1' }), fixtureTransportContext(), { connectAttempts: 1, backoffBaseMs: 20, backoffMaxMs: 100 });
    cleanups.push(() => lost.close());
    await down[Symbol.asyncDispose]();
    const running = watch(logObserver('/var/log/agent.log', {}, lost));
    await running.done;
    expect(running.error()).toBeInstanceOf(ObserverUnavailableError);
    expect(String(running.error())).toMatch(/observer agent-log: gave up after 3 failed tries/);

    const fixed = logObserver(join(sshd.dir, 'no-such.log'), { host: 'lin-app-1' });
    await expect(fixed.probe()).rejects.toThrow(/no-such.log is not readable on lin-app-1/);
  });
});

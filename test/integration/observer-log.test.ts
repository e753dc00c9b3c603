import { appendFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ObserverUnavailableError } from '../../harness/core/errors.js';
import { LogObserver } from '../../harness/observers/log.js';
import type { LogPosition } from '../../harness/observers/log-tail.js';
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

/** What the observer logged (warnings about rotation among them). */
let logged: Record<string, unknown>[] = [];
const logger = pino({ level: 'info' }, { write: (text: string) => void logged.push(JSON.parse(text) as Record<string, unknown>) });
afterEach(() => {
  logged = [];
});

function logObserver(path: string, extra: Record<string, unknown> = {}, over: Transport = transport): LogObserver {
  const created = new LogObserver(parseObserver({ kind: 'log', name: 'agent-log', path, ...extra }), observerContext({ transportFor: () => over, logger }));
  cleanups.push(() => created.close());
  return created;
}

function watch(target: LogObserver, since = Date.now(), start?: LogPosition): RunningWatch {
  const running = startWatch(target, { host: host(), checkType: 'ssh_config', since, start });
  cleanups.push(() => running.stop());
  return running;
}

/** As the engine does before injecting: where the log ends now. */
function prepare(target: LogObserver): Promise<LogPosition> {
  return target.prepare({ host: host(), checkType: 'ssh_config', skewMs: 0, runId: 'run-test', attemptId: 'attempt-1', signal: new AbortController().signal });
}

const ids = (running: RunningWatch) => running.outputs.map((o) => ('malformed' in o ? 'malformed' : o.id));
const rotationWarnings = () => logged.filter((entry) => entry.code === 'LOG_ROTATED');

/** Drops the transport under a running tail, lets `whileDown` change the host, then brings sshd back. */
async function loseTransport(whileDown: () => Promise<void>): Promise<void> {
  await sshd.kill();
  await whileDown();
  await sshd.restart();
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

  it('starts where the log ended before the attempt: 50,000 old lines are never streamed', async () => {
    const path = join(sshd.dir, 'agent-history.log');
    const old = line({ at: Date.now() - 3_600_000, id: 'old' });
    await writeFile(path, old.repeat(50_000));
    const target = logObserver(path);
    const start = await prepare(target);
    expect(start.offset).toBe(Buffer.byteLength(old) * 50_000);
    const running = watch(target, Date.now(), start);
    await appendFile(path, line({ id: 'heal' }));
    await running.until('the heal line', () => running.accepted.length === 1);
    expect(ids(running)).toEqual(['heal']);
    expect(running.rejected.filter((r) => r.reason === 'stale')).toEqual([]);
  });

  it('a log missing before the attempt is read from its first line once it appears', async () => {
    const path = join(sshd.dir, 'agent-late.log');
    const target = logObserver(path);
    const start = await prepare(target);
    expect(start).toEqual({ identity: '', offset: 0 });
    const running = watch(target, Date.now(), start);
    await writeFile(path, line({ id: 'first' }) + line({ id: 'second' }));
    await running.until('both lines', () => running.outputs.length === 2);
    expect(ids(running)).toEqual(['first', 'second']);
    expect(rotationWarnings()).toEqual([]);
  });

  it('resumes after sshd is killed mid-tail without delivering old lines again', async () => {
    const path = join(sshd.dir, 'agent-resume.log');
    await writeFile(path, line({ id: 'before' }));
    const running = watch(logObserver(path), Date.now() - 60_000);
    await running.until('the first line', () => running.accepted.length === 1);
    await loseTransport(() => appendFile(path, line({ id: 'while-down' })));
    await appendFile(path, line({ id: 'after' }));
    await running.until('the lines written while down and after', () => running.outputs.length >= 3, 30_000);
    expect(ids(running)).toEqual(['before', 'while-down', 'after']);
    expect(running.error()).toBeUndefined();
    expect(rotationWarnings()).toEqual([]);
  });

  it('resumes at the exact byte after multi-byte UTF-8 and CRLF lines', async () => {
    const path = join(sshd.dir, 'agent-utf8.log');
    const crlf = (fields: Record<string, unknown>) => line(fields).replace(/\n$/, '\r\n');
    await writeFile(path, crlf({ id: 'héllo', note: 'ünïcødé ✓ 🚑 日本語' }) + line({ id: '✓✓', note: '€'.repeat(333) }));
    const running = watch(logObserver(path), Date.now() - 60_000);
    await running.until('the first two lines', () => running.outputs.length === 2);
    await loseTransport(() => appendFile(path, crlf({ id: 'next', note: '🚑' })));
    await appendFile(path, line({ id: 'last' }));
    await running.until('the lines after the resume', () => running.outputs.length >= 4, 30_000);
    // the line after the resume is neither cut (it would be malformed JSON) nor repeated
    expect(ids(running)).toEqual(['héllo', '✓✓', 'next', 'last']);
  });

  it('a log rotated while the transport was down: the new file is read from its start, with a warning', async () => {
    const path = join(sshd.dir, 'agent-rotate.log');
    await writeFile(path, line({ id: 'old-1' }));
    const running = watch(logObserver(path), Date.now() - 60_000);
    await running.until('the first line', () => running.outputs.length === 1);
    await loseTransport(async () => {
      await appendFile(path, line({ id: 'old-2' }));
      await rename(path, `${path}.1`);
      // longer than what was read: only the file's identity tells it is another file
      await writeFile(path, line({ id: 'new-1', pad: 'x'.repeat(400) }) + line({ id: 'new-2' }));
    });
    await running.until('the new file', () => running.outputs.length >= 3, 30_000);
    expect(ids(running)).toEqual(['old-1', 'new-1', 'new-2']);
    expect(rotationWarnings()).toHaveLength(1);
    expect(String(rotationWarnings()[0]!.msg)).toMatch(/was replaced \(rotated\).*lines written to the old file after that offset may have been missed/);
    // and the run is told, so the scorecard shows it
    expect(running.notes).toEqual([rotationWarnings()[0]!.msg]);
  });

  it('a log rotated while it is being read: the tail moves to the new file from its start', async () => {
    const path = join(sshd.dir, 'agent-live-rotate.log');
    await writeFile(path, line({ id: 'old-1' }));
    const running = watch(logObserver(path), Date.now() - 60_000);
    await running.until('the first line', () => running.outputs.length === 1);
    await rename(path, `${path}.1`);
    await writeFile(path, line({ id: 'new-1' }));
    await running.until('the new file', () => running.outputs.length >= 2, 30_000);
    await appendFile(path, line({ id: 'new-2' }));
    await running.until('a later line', () => running.outputs.length >= 3, 30_000);
    expect(ids(running)).toEqual(['old-1', 'new-1', 'new-2']);
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

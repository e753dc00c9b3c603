import { describe, expect, it } from 'vitest';
import { resourcesOverlap, runSchedule, type ScheduleUnit } from '../../harness/engine/scheduler.js';
import { ManualClock } from '../support/manual-clock.js';

interface TestUnit extends ScheduleUnit {
  readonly durationMs: number;
}

const unit = (id: string, host: string, resources: string[] = ['*'], durationMs = 1000, check = id): TestUnit => ({
  id,
  host,
  resources,
  spacingKeys: [`${host}|${check}`],
  durationMs,
});

interface Run {
  starts: Record<string, number>;
  ends: Record<string, number>;
  notRun: Record<string, string>;
  quarantined: string[];
  maxParallel: number;
}

async function schedule(units: TestUnit[], options: { concurrency?: number; spacing?: number; lostHosts?: string[]; abortAt?: number } = {}): Promise<Run> {
  const clock = new ManualClock();
  const run: Run = { starts: {}, ends: {}, notRun: {}, quarantined: [], maxParallel: 0 };
  const controller = new AbortController();
  let active = 0;
  let done = false;
  const finished = runSchedule(units, {
    concurrency: options.concurrency ?? 10,
    repeatSpacingMs: options.spacing ?? 0,
    clock,
    signal: controller.signal,
    execute: async (u) => {
      run.starts[u.id] = clock.now();
      active += 1;
      run.maxParallel = Math.max(run.maxParallel, active);
      await clock.sleep(u.durationMs);
      active -= 1;
      run.ends[u.id] = clock.now();
    },
    checkHost: async (u) => (options.lostHosts?.includes(u.host) ? 'ssh connection refused' : undefined),
    onQuarantine: (host) => run.quarantined.push(host),
    onNotRun: (u, reason) => (run.notRun[u.id] = reason),
  }).then(() => (done = true));
  for (let t = 0; !done && t < 100_000; t += 100) {
    if (options.abortAt !== undefined && t >= options.abortAt) controller.abort();
    await clock.advance(100);
  }
  await finished;
  return run;
}

describe('scheduler', () => {
  it('locks a host exclusively when scenarios declare no resources', async () => {
    const run = await schedule([unit('a', 'h1'), unit('b', 'h1'), unit('c', 'h2')]);
    expect(run.starts).toEqual({ a: 0, b: 1000, c: 0 });
  });

  it('runs scenarios on disjoint resources of one host at the same time; overlapping ones wait', async () => {
    const run = await schedule([unit('fw', 'h1', ['firewall']), unit('dns', 'h1', ['dns']), unit('fw2', 'h1', ['firewall', 'sshd'])]);
    expect(run.starts).toEqual({ fw: 0, dns: 0, fw2: 1000 });
  });

  it('caps the attempts running at once on one host', async () => {
    const run = await schedule(['a', 'b', 'c', 'd', 'e'].map((r) => unit(r, 'h1', [r])));
    expect(Object.values(run.starts)).toEqual([0, 0, 0, 0, 1000]);
  });

  it('"*" is exclusive even against declared resources', async () => {
    const run = await schedule([unit('fw', 'h1', ['firewall']), unit('all', 'h1', ['*']), unit('dns', 'h1', ['dns'])]);
    expect(run.starts.all).toBe(1000);
    // a later unit on a disjoint resource may overtake a blocked exclusive one
    expect(run.starts.dns).toBe(0);
  });

  it('never exceeds the global concurrency cap', async () => {
    const run = await schedule(['h1', 'h2', 'h3', 'h4', 'h5'].map((h) => unit(`on-${h}`, h)), { concurrency: 2 });
    expect(run.maxParallel).toBe(2);
    expect(Object.values(run.starts).sort((a, b) => a - b)).toEqual([0, 0, 1000, 1000, 2000]);
  });

  it('spaces repeats of the same host and check, in order', async () => {
    const repeats = [1, 2, 3].map((i) => ({ ...unit(`r${i}`, 'h1', ['dns'], 1000, 'dns_config') }));
    const run = await schedule([...repeats, unit('other', 'h1', ['firewall'])], { spacing: 5000 });
    expect(run.starts).toEqual({ r1: 0, r2: 6000, r3: 12_000, other: 0 });
  });

  it('quarantines a host whose transport is lost; its other attempts never run, other hosts continue', async () => {
    const run = await schedule([unit('a', 'bad'), unit('b', 'bad'), unit('c', 'good'), unit('d', 'good')], { lostHosts: ['bad'] });
    expect(run.quarantined).toEqual(['bad']);
    expect(run.notRun).toEqual({ b: 'host_quarantined' });
    expect(Object.keys(run.ends).sort()).toEqual(['a', 'c', 'd']);
  });

  it('on interrupt starts nothing new and lets running units finish', async () => {
    const run = await schedule([unit('a', 'h1', ['*'], 3000), unit('b', 'h1')], { abortAt: 500 });
    expect(run.ends.a).toBe(3000);
    expect(run.notRun).toEqual({ b: 'interrupted' });
  });

  it('resource overlap', () => {
    expect(resourcesOverlap(['dns'], ['firewall'])).toBe(false);
    expect(resourcesOverlap(['dns', 'sshd'], ['sshd'])).toBe(true);
    expect(resourcesOverlap(['*'], ['dns'])).toBe(true);
  });
});

import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadProject } from '../../harness/config/load-project.js';
import type { LabConfig } from '../../harness/config/lab-schema.js';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { planRun } from '../../harness/engine/plan.js';
import { runSession, type SessionResult } from '../../harness/engine/session.js';
import type { RevertJournal } from '../../harness/journal/journal.js';
import { containerName } from '../../harness/lab/paths.js';
import { resolveLab } from '../../harness/lab/resolve.js';
import type { RunEvent } from '../../harness/model/events.js';
import { startTestLab, type TestLab } from './lab-cluster.js';

const run = promisify(execFile);

/** The host paused mid-attempt, and the one whose attempt must go on. */
export const LOST_HOST = 'lin-web-1';
export const OTHER_HOST = 'lin-db-1';
export const MARKER = '/var/tmp/chaoslab-lost-host';

/**
 * One scenario on both hosts of a two-host container lab: a marker file no
 * healer knows, so the drift stays and the attempt observes to the end of its
 * window (`expect: ignore` passes as `not_healed`). The window is long enough
 * that the other host is still being observed when the paused one is declared lost.
 */
const SCENARIO = [
  'id: lost-host-marker',
  'title: a marker file appears',
  'platform: linux',
  'target: linux',
  'check_type: lost_host_marker',
  'sla: 5s',
  'window: 30s',
  'hold: 1s',
  'probe_interval: 500ms',
  'timeout: 30s',
  'expect: { outcome: ignore }',
  'steps:',
  '  snapshot: echo absent',
  `  inject: echo drifted > ${MARKER}`,
  `  check: test ! -e ${MARKER} || { echo marker present; exit 1; }`,
  `  revert: rm -f ${MARKER}`,
  '',
].join('\n');

export interface LostHostLab extends AsyncDisposable {
  readonly lab: TestLab;
  readonly dir: string;
  /** Pauses (`podman pause`) a host's container; resumes it. */
  pause(host: string): Promise<void>;
  resume(host: string): Promise<void>;
}

/** A two-host container lab of its own (the name must be unique per process) and the scenario above. */
export async function startLostHostLab(name: string, dir: string): Promise<LostHostLab> {
  await mkdir(join(dir, 'scenarios'), { recursive: true });
  await writeFile(join(dir, 'scenarios', 'lost-host-marker.yaml'), SCENARIO);
  const lab = await startTestLab(name, dir, 2);
  const podman = (verb: string, host: string) => run('podman', [verb, containerName(name, host)]);
  const paused = new Set<string>();
  return {
    lab,
    dir,
    pause: async (host) => {
      paused.add(host);
      await podman('pause', host);
    },
    resume: async (host) => {
      await podman('unpause', host);
      paused.delete(host);
    },
    [Symbol.asyncDispose]: async () => {
      // a paused container cannot be stopped: resume it first
      for (const host of paused) await podman('unpause', host).catch(() => undefined);
      await lab[Symbol.asyncDispose]();
    },
  };
}

export interface LostHostTrial {
  readonly result: SessionResult;
  readonly events: readonly RunEvent[];
  /** Wall time (ms) the pause command returned: the host was frozen from then on. */
  readonly pausedAt: number;
  /** ms from the pause to the host_quarantined event of the paused host (undefined: never quarantined). */
  readonly detectionMs: number | undefined;
}

/**
 * Runs the scenario on both hosts in-process, as `chaoslab run` would, and pauses
 * the lost host's container once its attempt observes (after the injection).
 * The container stays paused: the caller resumes it.
 */
export async function runAndPauseMidAttempt(lost: LostHostLab, journal: RevertJournal, reportsRoot: string): Promise<LostHostTrial> {
  const project = await loadProject({ scenarioPaths: [join(lost.dir, 'scenarios')], labPath: lost.lab.file });
  const lab: LabConfig = await resolveLab(project.lab!);
  const session = runSession({
    lab,
    labFile: lost.lab.file,
    plan: planRun(project.catalogue, lab, { allHosts: true }),
    concurrency: 4,
    reportsRoot,
    argv: ['run'],
    journal,
    clock: systemClock,
    interrupt: new AbortController().signal,
    version: 'test',
  });
  let ended = false;
  void session.then(
    () => (ended = true),
    () => (ended = true),
  );
  await waitFor(
    async () => {
      if (ended) throw new Error('the run ended before the lost host was observed');
      const seen = await readEvents(reportsRoot);
      const attempt = seen.find((e): e is Extract<RunEvent, { type: 'attempt_planned' }> => e.type === 'attempt_planned' && e.host === LOST_HOST);
      return attempt && seen.some((e) => e.type === 'phase' && e.attemptId === attempt.attemptId && e.phase === 'observe') ? true : undefined;
    },
    { clock: systemClock, timeoutMs: 120_000, intervalMs: 100, description: `${LOST_HOST}'s attempt to observe` },
  );
  await lost.pause(LOST_HOST);
  const pausedAt = Date.now();
  const result = await session;
  const all = await readEvents(reportsRoot);
  const quarantined = all.find((e) => e.type === 'host_quarantined' && e.host === LOST_HOST);
  return { result, events: all, pausedAt, detectionMs: quarantined && quarantined.ts - pausedAt };
}

/** The events of the newest run under a reports folder, as written so far. */
async function readEvents(reportsRoot: string): Promise<RunEvent[]> {
  const runs = (await readdir(reportsRoot).catch(() => [] as string[])).filter((entry) => entry !== 'latest').sort();
  const newest = runs[runs.length - 1];
  if (!newest) return [];
  const text = await readFile(join(reportsRoot, newest, 'events.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.endsWith('}'))
    .map((line) => JSON.parse(line) as RunEvent);
}

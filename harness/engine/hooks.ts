import { spawn } from 'node:child_process';
import type { HookCommandInput, HookName, HooksConfig } from '../config/hooks-schema.js';
import { errorMessage } from '../core/errors.js';
import { excerpt } from '../core/redact.js';
import type { EventSink } from '../events/sink.js';
import type { AttemptResult, RunModel } from '../model/run-model.js';
import { summarize } from '../model/summary.js';

/** Output kept per stream of a hook (the rest is cut, as for lab commands). */
const OUTPUT_LIMIT = 64 * 1024;
/** After a timeout's SIGTERM, how long the hook's process group has before SIGKILL. */
const KILL_GRACE_MS = 2_000;

interface HookCommand {
  readonly run: string;
  readonly timeoutMs: number;
}

function command(input: HookCommandInput): HookCommand {
  return typeof input === 'string' ? { run: input, timeoutMs: 30_000 } : { run: input.run, timeoutMs: input.timeout };
}

export interface HookResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  readonly error?: string;
}

/** Runs one command line with `/bin/sh -c` in its own process group, killed as a group when it outlives its timeout. */
export function runHookCommand(line: string, env: NodeJS.ProcessEnv, timeoutMs: number, cwd: string): Promise<HookResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', line], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(0, OUTPUT_LIMIT)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(0, OUTPUT_LIMIT)));
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // the group is already gone
      }
    };
    let grace: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      grace = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    }, timeoutMs);
    const finish = (exitCode: number | null, error?: string) => {
      clearTimeout(timer);
      clearTimeout(grace);
      resolve({ exitCode, stdout, stderr, durationMs: performance.now() - started, ...(error !== undefined && { error }) });
    };
    child.once('error', (error) => finish(null, errorMessage(error)));
    child.once('close', (code, signal) => finish(code, timedOut ? `timed out after ${timeoutMs} ms and was killed` : signal ? `killed by ${signal}` : undefined));
  });
}

/** CHAOSLAB_* variables of an attempt: what it was, where, and its times as epoch ms. */
export function attemptEnv(run: Pick<RunModel, 'startedAtWall'>, attempt: AttemptResult): Record<string, string> {
  const wall = (mono: number | undefined) => (mono === undefined ? '' : String(Math.round(run.startedAtWall + mono)));
  const phases = attempt.phases.map((p) => ({ phase: p.phase, start: Math.round(run.startedAtWall + p.start), ...(p.end !== undefined && { end: Math.round(run.startedAtWall + p.end) }), ...(p.ok !== undefined && { ok: p.ok }) }));
  const revert = attempt.phases.find((p) => p.phase === 'revert');
  return {
    CHAOSLAB_ATTEMPT_ID: attempt.attemptId,
    CHAOSLAB_SCENARIO: attempt.scenarioId,
    CHAOSLAB_HOST: attempt.host,
    CHAOSLAB_CHECK_TYPE: attempt.checkType,
    CHAOSLAB_VERDICT: attempt.verdict.kind,
    CHAOSLAB_PASSED: String(attempt.passed),
    CHAOSLAB_ATTEMPT_STARTED_AT: wall(attempt.startedAt),
    CHAOSLAB_ATTEMPT_ENDED_AT: wall(attempt.endedAt),
    CHAOSLAB_INJECTED_AT: attempt.t0Wall === undefined ? '' : String(Math.round(attempt.t0Wall)),
    CHAOSLAB_REVERTED_AT: wall(revert?.end),
    CHAOSLAB_PHASES: JSON.stringify(phases),
  };
}

/** CHAOSLAB_* variables of the run as it stands (its score once it is over). */
export function runEnv(run: RunModel): Record<string, string> {
  const summary = summarize(run);
  return {
    CHAOSLAB_RUN_ID: run.runId,
    CHAOSLAB_LAB: run.lab,
    CHAOSLAB_SUITE: run.suite ?? '',
    CHAOSLAB_RUN_STARTED_AT: String(run.startedAtWall),
    CHAOSLAB_PASSED_COUNT: String(summary.score.passed),
    CHAOSLAB_SCORED_COUNT: String(summary.score.scored),
    CHAOSLAB_ATTEMPT_COUNT: String(summary.total),
  };
}

export interface HookRunnerOptions {
  /** The lab's hooks, then the suite's: both run, in that order. */
  readonly configs: readonly HooksConfig[];
  readonly sink: EventSink;
  readonly cwd: string;
  /** The current run model (for the CHAOSLAB_* variables). */
  readonly model: () => RunModel;
}

/**
 * Runs the hooks of a run. Each run is recorded as a `command` (step `hook`,
 * host `controller`), on its attempt when it has one; a hook that fails, times
 * out or cannot start adds a warning note. Nothing a hook does is awaited by a
 * revert: attempt hooks run before the injection and after the revert.
 */
export class HookRunner {
  constructor(private readonly options: HookRunnerOptions) {}

  has(name: HookName): boolean {
    return this.options.configs.some((config) => config[name] !== undefined);
  }

  async run(name: HookName, attempt?: AttemptResult): Promise<void> {
    const model = this.options.model();
    const env = { ...process.env, ...runEnv(model), CHAOSLAB_HOOK: name, ...(attempt && attemptEnv(model, attempt)) };
    for (const config of this.options.configs) {
      const input = config[name];
      if (input === undefined) continue;
      const { run, timeoutMs } = command(input);
      const at = Date.now() - model.startedAtWall;
      const result = await runHookCommand(run, env, timeoutMs, this.options.cwd);
      this.options.sink.emit({
        type: 'command',
        ...(attempt && { attemptId: attempt.attemptId }),
        step: 'hook',
        host: 'controller',
        command: run,
        exitCode: result.exitCode,
        stdout: result.stdout,
        stderr: result.stderr,
        durationMs: result.durationMs,
        at,
        ...(result.error !== undefined && { error: result.error }),
      });
      if (result.exitCode !== 0 || result.error !== undefined) {
        const why = result.error ?? `exit ${result.exitCode}`;
        const output = excerpt(result.stderr.trim() || result.stdout.trim(), 300);
        this.options.sink.emit({ type: 'note', level: 'warn', message: `hook ${name}${attempt ? ` of ${attempt.attemptId}` : ''} failed (${why})${output ? `: ${output}` : ''}` });
      }
    }
  }
}

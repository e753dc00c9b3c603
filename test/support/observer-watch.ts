import { hostSchema, type HostConfig } from '../../harness/config/lab-schema.js';
import { observerSchema, type ObserverConfig } from '../../harness/config/observer-schema.js';
import { SecretResolver } from '../../harness/config/secrets.js';
import { systemClock } from '../../harness/core/clock.js';
import { silentLogger, type Logger } from '../../harness/core/logger.js';
import { waitFor } from '../../harness/core/wait.js';
import { Correlator } from '../../harness/observers/correlate.js';
import type { Observer, ObserverContext, ObserverOutput, WatchRequest } from '../../harness/observers/observer.js';
import type { RejectedSignalRecord, SignalRecord } from '../../harness/model/run-model.js';
import type { Transport } from '../../harness/transport/transport.js';

/** Helpers for observer tests: a context, a watch request, and a running watch whose outputs go through the real Correlator. */
export function labHost(name: string, extra: Partial<HostConfig> = {}): HostConfig {
  return hostSchema.parse({ name, platform: 'linux', transport: { kind: 'ssh', user: 'root', password: 'env:UNUSED', insecure_host_key: true }, ...extra });
}

export function parseObserver<K extends ObserverConfig['kind']>(config: Record<string, unknown> & { kind: K }): Extract<ObserverConfig, { kind: K }> {
  return observerSchema.parse(config) as Extract<ObserverConfig, { kind: K }>;
}

export function observerContext(overrides: Partial<ObserverContext> & { env?: NodeJS.ProcessEnv } = {}): ObserverContext {
  const secrets = new SecretResolver(process.cwd(), overrides.env ?? {});
  return {
    clock: systemClock,
    logger: silentLogger,
    transportFor: (host: string): Transport => {
      throw new Error(`no transport for ${host} in this test`);
    },
    resolveSecret: (ref) => secrets.resolve(ref),
    evidenceDir: process.cwd(),
    ...overrides,
  };
}

export interface RunningWatch {
  readonly outputs: ObserverOutput[];
  /** What the observer told the run through `request.note`. */
  readonly notes: string[];
  readonly accepted: SignalRecord[];
  readonly rejected: RejectedSignalRecord[];
  /** Set when watch() threw. */
  error(): unknown;
  /** Resolves when the watch ends (aborted, or threw). */
  readonly done: Promise<void>;
  until(description: string, condition: () => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface WatchOptions {
  host: HostConfig;
  checkType: string;
  since?: number;
  skewMs?: number;
  runId?: string;
  checkTypeAliases?: string[];
  logger?: Logger;
  /** What the observer's `prepare` returned, as the engine hands it over. */
  start?: unknown;
}

/** Starts `observer.watch` and feeds every output to a Correlator, as the engine does. */
export function startWatch(observer: Observer, options: WatchOptions): RunningWatch {
  const controller = new AbortController();
  const since = options.since ?? Date.now();
  const notes: string[] = [];
  const request: WatchRequest = {
    host: options.host,
    checkType: options.checkType,
    since,
    skewMs: options.skewMs ?? 0,
    runId: options.runId ?? 'run-test',
    attemptId: 'attempt-1',
    signal: controller.signal,
    note: (message) => void notes.push(message),
    ...(options.start !== undefined && { start: options.start }),
  };
  const correlator = new Correlator({
    host: options.host,
    checkType: options.checkType,
    checkTypeAliases: options.checkTypeAliases ?? [],
    runId: request.runId,
    since,
    skewMs: request.skewMs,
    toleranceMs: 250,
    wallNow: () => Date.now(),
  });
  const outputs: ObserverOutput[] = [];
  const accepted: SignalRecord[] = [];
  const rejected: RejectedSignalRecord[] = [];
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const output of observer.watch(request)) {
        outputs.push(output);
        const result = correlator.offer(output);
        if ('accepted' in result) accepted.push(result.accepted);
        else rejected.push(result.rejected);
      }
    } catch (error) {
      failure = error;
    }
  })();
  return {
    outputs,
    notes,
    accepted,
    rejected,
    error: () => failure,
    done,
    async until(description, condition, timeoutMs = 15_000) {
      await waitFor(async () => (failure !== undefined || condition() ? true : undefined), { clock: systemClock, timeoutMs, intervalMs: 10, description });
      if (!condition()) throw failure;
    },
    async stop() {
      controller.abort();
      await done;
    },
  };
}

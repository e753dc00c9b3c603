import type { HostConfig } from '../../harness/config/lab-schema.js';
import { scenarioSchema, type Scenario } from '../../harness/config/scenario-schema.js';
import type { Clock } from '../../harness/core/clock.js';
import { silentLogger } from '../../harness/core/logger.js';
import type { EngineContext } from '../../harness/engine/context.js';
import type { EventSink } from '../../harness/events/sink.js';
import type { RevertJournal } from '../../harness/journal/journal.js';
import type { RunEvent, RunEventBody } from '../../harness/model/events.js';
import type { ObservedEvent, Observer, ObserverOutput, PrepareRequest, WatchRequest } from '../../harness/observers/observer.js';
import type { ExecResult, Transport } from '../../harness/transport/transport.js';
import { TransportError } from '../../harness/core/errors.js';

/**
 * Test doubles for the attempt state machine's unit tests ONLY: they run on a
 * ManualClock so phases, windows and holds can be driven without sleeping.
 * Every other engine test uses real sshd and the real file healer.
 */
export type CommandHandler = (command: string) => { exitCode: number; stdout?: string } | 'drop';

/** A host whose commands are answered by a handler; `drop()` makes every later command fail as a lost transport. */
export class ScriptedTransport implements Transport {
  readonly shell = 'posix' as const;
  readonly sent: string[] = [];
  private dropped = false;
  /** After refuseLogins(): the open connection is lost once, then every login is refused. */
  private logins: 'accepted' | 'closing' | 'refused' = 'accepted';

  constructor(readonly host: string, private readonly clock: Clock, private readonly handler: CommandHandler, private readonly skewMs = 0) {}

  drop(): void {
    this.dropped = true;
  }

  /** The connection drops and every later login is refused (the host's authorized keys changed). */
  refuseLogins(): void {
    this.logins = 'closing';
  }

  async exec(command: string): Promise<ExecResult> {
    if (this.logins === 'refused') throw new TransportError('TRANSPORT_AUTH', this.host, 'authentication failed for user chaoslab');
    if (this.logins === 'closing') {
      this.logins = 'refused';
      throw new TransportError('TRANSPORT_CLOSED', this.host, 'connection lost');
    }
    if (this.dropped) throw new TransportError('TRANSPORT_CLOSED', this.host, 'connection lost');
    this.sent.push(command);
    if (command === 'date +%s%3N') return { stdout: String(this.clock.wallNow() + this.skewMs), stderr: '', exitCode: 0, durationMs: 0 };
    const answer = this.handler(command);
    if (answer === 'drop') {
      this.dropped = true;
      throw new TransportError('TRANSPORT_CLOSED', this.host, 'connection lost');
    }
    return { stdout: answer.stdout ?? '', stderr: '', exitCode: answer.exitCode, durationMs: 0 };
  }

  async *stream(): AsyncIterable<string> {
    throw new Error('scripted transport has no streams');
  }

  async probe(): Promise<void> {
    if (this.logins !== 'accepted') throw new TransportError('TRANSPORT_AUTH', this.host, 'authentication failed for user chaoslab');
    if (this.dropped) throw new TransportError('TRANSPORT_UNREACHABLE', this.host, 'no route');
  }

  async close(): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {}
}

/** An observer fed by the test: `emit()` delivers an event to every open watch. */
export class ScriptedObserver implements Observer {
  readonly kind = 'scripted';
  private readonly watchers = new Set<(output: ObserverOutput) => void>();
  requests: WatchRequest[] = [];

  /** Present only when the test gives one: most observers have no `prepare`. */
  readonly prepare?: (request: PrepareRequest) => Promise<unknown>;

  constructor(readonly name: string, private readonly failWith?: Error, prepare?: (request: PrepareRequest) => Promise<unknown>) {
    if (prepare) this.prepare = prepare;
  }

  emit(output: Omit<ObservedEvent, 'source'>): void {
    for (const deliver of this.watchers) deliver({ source: this.name, ...output });
  }

  async *watch(request: WatchRequest): AsyncIterable<ObserverOutput> {
    this.requests.push(request);
    if (this.failWith) throw this.failWith;
    const queue: ObserverOutput[] = [];
    let wake: (() => void) | undefined;
    const deliver = (output: ObserverOutput) => {
      queue.push(output);
      wake?.();
    };
    this.watchers.add(deliver);
    const aborted = new Promise<void>((resolve) => request.signal.addEventListener('abort', () => resolve(), { once: true }));
    try {
      while (!request.signal.aborted) {
        if (!queue.length) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
        while (queue.length) yield queue.shift()!;
      }
    } finally {
      this.watchers.delete(deliver);
    }
  }

  async probe(): Promise<void> {}
  async close(): Promise<void> {}
  async [Symbol.asyncDispose](): Promise<void> {}
}

export class MemorySink implements EventSink {
  readonly events: RunEvent[] = [];
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  emit(body: RunEventBody): RunEvent {
    const event = { v: 1, seq: ++this.seq, ts: this.clock.wallNow(), mono: this.clock.now(), runId: 'run-test', ...body } as RunEvent;
    this.events.push(event);
    return event;
  }

  ofType<T extends RunEvent['type']>(type: T): Extract<RunEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
  }
}

export const TEST_HOST: HostConfig = {
  name: 'web1',
  platform: 'linux',
  roles: ['web'],
  aliases: [],
  allow_controller: false,
  transport: { kind: 'docker-exec', container: 'web1' },
  protect: { ports: [], services: [], accounts: [], paths: [] },
};

export function testScenario(overrides: Record<string, unknown> = {}): Scenario {
  return scenarioSchema.parse({
    id: 'file-drift',
    title: 'a file drifts',
    platform: 'linux',
    target: 'web1',
    check_type: 'file_mode',
    sla: '5s',
    window: '10s',
    hold: '2s',
    probe_interval: '1s',
    expect: { outcome: 'heal', tier: 'L1', runbook: 'RB-1' },
    steps: { snapshot: 'snapshot', inject: 'inject', check: 'check', revert: 'revert' },
    ...overrides,
  });
}

export function engineContext(clock: Clock, sink: EventSink, journal: RevertJournal, observers: Observer[], tolerance = 2000): EngineContext {
  return {
    runId: 'run-test',
    clock,
    sink,
    elapsed: () => clock.now(),
    journal,
    labFile: '/labs/test.yaml',
    hostIdentity: (host) => `${host} scripted`,
    clockSkewToleranceMs: tolerance,
    observers,
    observerCheckTypeAliases: {},
    deliveryAllowanceMs: {},
    logger: silentLogger,
  };
}

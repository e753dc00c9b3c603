import type { HaltCondition } from '../config/halt-schema.js';
import type { Clock } from '../core/clock.js';
import { ChaoslabError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { haltProbe, type HaltProbe, type HaltReading } from './halt-probes.js';

/** Every condition is evaluated this often, from before the first injection to the end of the run. */
export const HALT_INTERVAL_MS = 1_000;

/** Why a run stopped injecting: the condition that fired, with what it saw. It is the reason of the run's abort signal. */
export class RunHalted extends ChaoslabError {
  constructor(readonly condition: string, readonly conditionKind: HaltCondition['kind'], readonly detail: string, readonly evidence?: unknown) {
    super('CHAOSLAB_HALTED', `halt condition ${condition} (${conditionKind}): ${detail}`);
  }
}

/** A halt condition that cannot be evaluated before the run: nothing may be injected without an emergency stop that works. */
export class HaltUnavailableError extends ChaoslabError {
  constructor(readonly condition: string, message: string) {
    super('HALT_UNAVAILABLE', `halt condition ${condition} cannot be evaluated: ${message}`);
  }
}

/** The halt that aborted `signal`, if that is why it was aborted. */
export function haltedBy(signal: AbortSignal): RunHalted | undefined {
  return signal.aborted && signal.reason instanceof RunHalted ? signal.reason : undefined;
}

export interface HaltMonitorOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs?: number;
  /** Called once, when a condition fires (before `signal` aborts). */
  readonly onHalt: (halted: RunHalted) => void;
}

/**
 * Watches the halt conditions. `start()` evaluates each one before anything is
 * injected: one that cannot be read throws HaltUnavailableError, one that fires
 * halts at once. Afterwards every condition is evaluated every second; the
 * first that fires (or cannot be read, unless it says `when_unreadable:
 * continue`) aborts `signal` with a RunHalted reason.
 */
export class HaltMonitor {
  private readonly probes: HaltProbe[];
  private readonly halt = new AbortController();
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  readonly signal: AbortSignal = this.halt.signal;

  constructor(conditions: readonly HaltCondition[], private readonly options: HaltMonitorOptions) {
    this.probes = conditions.map(haltProbe);
  }

  get halted(): RunHalted | undefined {
    return haltedBy(this.signal);
  }

  async start(): Promise<void> {
    if (!this.probes.length) return;
    const readings = await this.evaluateAll();
    for (const [probe, reading] of readings) {
      if ('unreadable' in reading) throw new HaltUnavailableError(probe.condition.name, reading.unreadable);
    }
    this.judge(readings);
    this.loop = this.watch();
  }

  private async watch(): Promise<void> {
    const interval = this.options.intervalMs ?? HALT_INTERVAL_MS;
    while (!this.stopping.signal.aborted && !this.signal.aborted) {
      try {
        await this.options.clock.sleep(interval, this.stopping.signal);
      } catch {
        return;
      }
      this.judge(await this.evaluateAll());
    }
  }

  private async evaluateAll(): Promise<(readonly [HaltProbe, HaltReading])[]> {
    return Promise.all(
      this.probes.map(async (probe) => {
        try {
          return [probe, await probe.evaluate(this.stopping.signal)] as const;
        } catch (error) {
          return [probe, { unreadable: errorMessage(error) }] as const;
        }
      }),
    );
  }

  private judge(readings: readonly (readonly [HaltProbe, HaltReading])[]): void {
    if (this.signal.aborted || this.stopping.signal.aborted) return;
    for (const [probe, reading] of readings) {
      const { condition } = probe;
      if ('unreadable' in reading) {
        if (condition.when_unreadable === 'continue') {
          this.options.logger.warn({ condition: condition.name, err: reading.unreadable }, 'halt condition unreadable; continuing as it says');
          continue;
        }
        this.fire(new RunHalted(condition.name, condition.kind, `cannot be read, so it is treated as firing: ${reading.unreadable}`));
        return;
      }
      if (reading.firing) {
        this.fire(new RunHalted(condition.name, condition.kind, reading.detail, reading.evidence));
        return;
      }
    }
  }

  private fire(halted: RunHalted): void {
    this.options.logger.warn({ condition: halted.condition, detail: halted.detail }, 'halt condition fired');
    this.options.onHalt(halted);
    this.halt.abort(halted);
  }

  /** Ends the evaluations (idempotent). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }
}

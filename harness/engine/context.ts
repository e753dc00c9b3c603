import type { HostConfig } from '../config/lab-schema.js';
import type { Scenario } from '../config/scenario-schema.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { EventSink } from '../events/sink.js';
import type { FaultCommands } from '../faults/fault.js';
import type { RevertJournal } from '../journal/journal.js';
import type { Verdict } from '../model/verdict.js';
import type { Observer } from '../observers/observer.js';

/** What every attempt of a run shares. */
export interface EngineContext {
  readonly runId: string;
  readonly clock: Clock;
  readonly sink: EventSink;
  /** ms since the run started (the `at` of command records). */
  readonly elapsed: () => number;
  readonly journal: RevertJournal;
  /** Absolute path of the lab inventory (written into journal entries for replay). */
  readonly labFile: string;
  readonly clockSkewToleranceMs: number;
  readonly observers: readonly Observer[];
  /** Each observer's stack → scenario check-type names, by observer name. */
  readonly observerCheckTypeAliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Each observer's delivery allowance (ms past the SLA a claim stamped inside it may arrive), by observer name. */
  readonly deliveryAllowanceMs: Readonly<Record<string, number>>;
  readonly logger: Logger;
}

/** One scenario of an injection: a single attempt, or one member of a bundle. */
export interface AttemptMember {
  readonly attemptId: string;
  readonly scenario: Scenario;
  readonly commands: FaultCommands;
}

/** What is injected together on one host: one attempt, or every member of a bundle. */
export interface InjectionSpec {
  readonly host: HostConfig;
  readonly members: readonly AttemptMember[];
  readonly bundleRunId?: string;
}

export interface AttemptOutcome {
  readonly attemptId: string;
  readonly verdict: Verdict;
  readonly passed: boolean;
}

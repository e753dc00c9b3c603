import type { AttemptResult, RunModel } from '../harness/model/run-model.js';

/**
 * The Reporter contract. Reporters get read-only run-model data, never engine
 * objects. Every hook is optional; each reporter is called through the
 * multiplexer (multiplexer.ts), which isolates its errors.
 */
export interface ReporterContext {
  /** reports/<run-id>/ */
  readonly outputDir: string;
  /** reports/ (for history: earlier runs live beside this one) */
  readonly reportsRoot: string;
  /** The run compared against (`--baseline`), when there is one. */
  readonly baseline?: RunModel;
  /** Earlier runs, newest first, for trends. */
  readonly history?: readonly RunModel[];
  readonly stdout: NodeJS.WritableStream;
  /** Pushgateway base URL (`--pushgateway`): the prometheus reporter pushes its metrics there too. */
  readonly pushgateway?: string;
}

export interface Reporter {
  readonly name: string;
  onRunStart?(run: RunModel): void | Promise<void>;
  onAttemptEnd?(attempt: AttemptResult, run: RunModel): void | Promise<void>;
  /** Returns the files it wrote (for the console to list). */
  onRunEnd?(run: RunModel): void | readonly string[] | Promise<void | readonly string[]>;
}

export type ReporterFactory = (context: ReporterContext) => Reporter;

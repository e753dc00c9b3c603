import type { HistoryNote } from '../harness/model/history-view.js';
import type { RunJudgement } from '../harness/model/outcome.js';
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
  /** Compared with what, or "no history yet"; with links to the earlier runs' scorecards. */
  readonly historyNote?: HistoryNote;
  readonly stdout: NodeJS.WritableStream;
  /** Pushgateway base URL (`--pushgateway`): the prometheus reporter pushes its metrics there too. */
  readonly pushgateway?: string;
  /** The key that signs the run folder's manifest.json, for the scorecard to name. */
  readonly signing?: SigningFacts;
  /**
   * The CLI's judgement of a finished run (its exit code, the gates that failed),
   * for the headline's pass/fail state. Without it reporters fall back to the
   * exit code in the log (model/outcome.ts). A reporter failure (exit 4) happens
   * after the reports are written and so cannot be in them.
   */
  readonly judge?: (run: RunModel) => RunJudgement;
  /** Where the HTML scorecard will be published (`--report-url`): Markdown and annotations link to it. */
  readonly reportUrl?: string;
}

/** The public side of the manifest's signing key. */
export interface SigningFacts {
  /** `SHA256:…`, what `chaoslab verify --public-key` accepts. */
  readonly fingerprint: string;
  /** SPKI DER, base64. */
  readonly publicKey: string;
}

export interface Reporter {
  readonly name: string;
  onRunStart?(run: RunModel): void | Promise<void>;
  onAttemptEnd?(attempt: AttemptResult, run: RunModel): void | Promise<void>;
  /** Returns the files it wrote (for the console to list). */
  onRunEnd?(run: RunModel): void | readonly string[] | Promise<void | readonly string[]>;
}

export type ReporterFactory = (context: ReporterContext) => Reporter;

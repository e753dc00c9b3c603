import type { ExpectationOverlays } from '../config/expectations.js';
import type { CatalogueBundle, CatalogueScenario, CatalogueSuite } from '../config/catalogue.js';
import type { HostConfig } from '../config/lab-schema.js';
import type { SkipReason } from '../model/verdict.js';

/** Why the plan will not run an attempt (the `skipped` verdict's reason). */
export type PlanSkipReason = SkipReason;

/**
 * One run of one scenario on one host — the unit the scheduler and the attempt
 * runner work on. Plain data: the plan is computed up front, before anything runs.
 */
export interface PlannedAttempt {
  /**
   * Stable and readable: `<scenario>@<host>#<repeat>`; bundle members are prefixed
   * with their bundle: `<bundle>/<scenario>@<host>#<repeat>`. When no host was
   * found, the scenario's `target` stands in for the host.
   */
  readonly attemptId: string;
  readonly scenario: CatalogueScenario;
  /** The host it runs on; absent only when skipped because no host fits. */
  readonly host?: HostConfig;
  /** 1-based: the N-th repetition of this scenario in the run. */
  readonly repeatIndex: number;
  /**
   * What the attempt touches on its host: the scenario's `resources`, else the
   * fault's default resources, else `['*']` — exclusive use of the whole host.
   */
  readonly resources: readonly string[];
  /** Set for members of a bundle: they are injected together on one host. */
  readonly bundleId?: string;
  /** The bundle injection this member belongs to (`<bundle>@<host>#<repeat>`), see PlannedBundleRun. */
  readonly bundleRunId?: string;
  /** Present when the attempt will not run; the engine records a `skipped` verdict. */
  readonly skip?: { readonly reason: PlanSkipReason; readonly detail: string };
}

/** One injection of a bundle: its members run at the same time on one host and are judged together. */
export interface PlannedBundleRun {
  /** `<bundle>@<host>#<repeat>` */
  readonly bundleRunId: string;
  readonly bundle: CatalogueBundle;
  readonly host?: HostConfig;
  readonly repeatIndex: number;
  /** Member attempts, in the bundle's `members` order. */
  readonly attemptIds: readonly string[];
}

/** `--shard 2/4` → { index: 2, count: 4 } (1-based). */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

export interface PlanOptions {
  /** Run this suite (its include/exclude, repeat, concurrency, gates). */
  readonly suite?: string;
  /** Ids or globs (`lin-ssh-*`, `linux/*`) of scenarios and bundles; with a suite, they pick among its entries. Empty: everything. */
  readonly select?: readonly string[];
  /** Regular expression tested against id, title and tags; non-matching entries become `filtered` skips. */
  readonly grep?: string;
  /** Overrides the suite's `repeat`. */
  readonly repeat?: number;
  /** Run a role-targeted scenario on every matching host instead of one. */
  readonly allHosts?: boolean;
  /** `--host` (repeatable): only these hosts of the lab; an attempt that fits none of them is a `filtered` skip. */
  readonly hosts?: readonly string[];
  readonly shard?: ShardSpec;
  /** Per-stack expectation overlays (healer profile → overlay), applied by each attempt's host. */
  readonly expectations?: ExpectationOverlays;
}

export interface Plan {
  /** In execution order; skipped attempts included (they become `skipped` verdicts). */
  readonly attempts: readonly PlannedAttempt[];
  readonly bundleRuns: readonly PlannedBundleRun[];
  readonly suite?: CatalogueSuite;
  /** The suite's concurrency, when it sets one (the CLI flag wins over it). */
  readonly concurrency?: number;
  /** Minimum gap between repeats on the same host and check type. */
  readonly repeatSpacingMs: number;
  readonly repeat: number;
  readonly shard?: ShardSpec;
}

import type { AttemptResult, RunModel } from '../harness/model/run-model.js';
import type { Reporter } from './reporter.js';

export interface ReporterFailure {
  readonly reporter: string;
  readonly hook: 'onRunStart' | 'onAttemptEnd' | 'onRunEnd';
  readonly error: Error;
}

/**
 * Calls every reporter's hooks and isolates their errors: one broken reporter
 * never loses the others' output. Failures are collected for the exit code and
 * the run's notes.
 */
export class ReporterMultiplexer {
  private readonly failed: ReporterFailure[] = [];
  private readonly written: string[] = [];

  constructor(private readonly reporters: readonly Reporter[], private readonly onFailure?: (failure: ReporterFailure) => void) {}

  async onRunStart(run: RunModel): Promise<void> {
    await this.each('onRunStart', (r) => r.onRunStart?.(run));
  }

  async onAttemptEnd(attempt: AttemptResult, run: RunModel): Promise<void> {
    await this.each('onAttemptEnd', (r) => r.onAttemptEnd?.(attempt, run));
  }

  async onRunEnd(run: RunModel): Promise<void> {
    await this.each('onRunEnd', async (r) => {
      const files = await r.onRunEnd?.(run);
      if (files) this.written.push(...files);
    });
  }

  failures(): readonly ReporterFailure[] {
    return this.failed;
  }

  files(): readonly string[] {
    return this.written;
  }

  private async each(hook: ReporterFailure['hook'], call: (reporter: Reporter) => unknown): Promise<void> {
    for (const reporter of this.reporters) {
      try {
        await call(reporter);
      } catch (cause) {
        const failure = { reporter: reporter.name, hook, error: cause instanceof Error ? cause : new Error(String(cause)) };
        this.failed.push(failure);
        this.onFailure?.(failure);
      }
    }
  }
}

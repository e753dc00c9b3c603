import { errorMessage } from './errors.js';

/**
 * A stack of cleanups. Register a cleanup before the first await that creates
 * the thing it cleans; `run()` executes them in reverse order, collects errors
 * and never lets one failing cleanup skip the rest.
 */
export class TeardownStack implements AsyncDisposable {
  private readonly steps: { name: string; fn: () => Promise<void> | void }[] = [];
  private ran = false;

  add(name: string, fn: () => Promise<void> | void): void {
    this.steps.push({ name, fn });
  }

  async run(): Promise<Error[]> {
    if (this.ran) return [];
    this.ran = true;
    const errors: Error[] = [];
    while (this.steps.length) {
      const step = this.steps.pop()!;
      try {
        await step.fn();
      } catch (error) {
        errors.push(new Error(`teardown ${step.name} failed: ${errorMessage(error)}`, { cause: error }));
      }
    }
    return errors;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.run();
  }
}

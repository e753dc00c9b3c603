import { expect } from 'vitest';
import { ChaoslabError } from '../../harness/core/errors.js';

/** Runs what should refuse a command template and returns the CHAOSLAB_TEMPLATE_INVALID error it threw. */
export function templateFailure(run: () => unknown): ChaoslabError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ChaoslabError);
    expect((error as ChaoslabError).code).toBe('CHAOSLAB_TEMPLATE_INVALID');
    return error as ChaoslabError;
  }
  throw new Error('expected CHAOSLAB_TEMPLATE_INVALID');
}

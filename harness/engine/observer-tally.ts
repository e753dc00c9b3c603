import type { ObserverOutput } from '../observers/observer.js';
import type { MisconfiguredObserver } from './verdict.js';

/**
 * Counts what each observer produced for one attempt. An observer that read
 * records but could map none of them (every one malformed) reads the stack
 * yet does not fit it: a configuration problem (a field map, a pattern) that
 * must not be mistaken for a stack that said nothing.
 */
export class ObserverOutputTally {
  private readonly bySource = new Map<string, { records: number; malformed: number; firstProblem?: string }>();

  count(output: ObserverOutput): void {
    const entry = this.bySource.get(output.source) ?? { records: 0, malformed: 0 };
    entry.records += 1;
    if ('malformed' in output) {
      entry.malformed += 1;
      entry.firstProblem ??= output.detail;
    }
    this.bySource.set(output.source, entry);
  }

  misconfigured(): MisconfiguredObserver[] {
    return [...this.bySource]
      .filter(([, entry]) => entry.records > 0 && entry.malformed === entry.records)
      .map(([name, entry]) => ({ name, records: entry.records, firstProblem: entry.firstProblem ?? '' }));
  }
}

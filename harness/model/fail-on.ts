import { VERDICT_KINDS, type VerdictKind } from './verdict.js';

/**
 * What a `fail_on` gate can name: a verdict other than the passing and skipped
 * ones, or a property of the run as a whole. The CLI's `--fail-on` and a suite's
 * `gates.fail_on` both accept exactly this list, so a suite can say anything the
 * command line can.
 */
export type FailOnKind = 'regression' | 'flaky' | 'residue' | Exclude<VerdictKind, 'healed' | 'skipped'>;

const verdictKinds = VERDICT_KINDS.filter((kind): kind is Exclude<VerdictKind, 'healed' | 'skipped'> => kind !== 'healed' && kind !== 'skipped');

export const FAIL_ON_KINDS = ['regression', 'flaky', ...verdictKinds, 'residue'] as const satisfies readonly FailOnKind[];

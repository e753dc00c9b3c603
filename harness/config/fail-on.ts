/**
 * What a `fail_on` gate can name: a verdict other than the passing (`healed`)
 * and the skipped one, or a property of the run as a whole. The CLI's
 * `--fail-on` and a suite's `gates.fail_on` both accept exactly this list, so a
 * suite can say anything the command line can. The verdict names are spelled
 * out here because the configuration sits below the run model (see
 * docs/architecture.md, "Layers"); test/unit/gates.test.ts keeps them equal to
 * the model's verdict kinds.
 */
export const FAIL_ON_KINDS = ['regression', 'flaky', 'healed_late', 'flapped', 'false_heal', 'silent_heal', 'escalated', 'not_healed', 'inconclusive', 'residue'] as const;

export type FailOnKind = (typeof FAIL_ON_KINDS)[number];

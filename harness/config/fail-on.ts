/**
 * What a `fail_on` gate can name: a verdict other than the passing (`healed`)
 * and the skipped one, or a property of the run as a whole. The CLI's
 * `--fail-on` and a suite's `gates.fail_on` both accept exactly this list, so a
 * suite can say anything the command line can. The verdict names are spelled
 * out here because the configuration sits below the run model (see
 * docs/architecture.md, "Layers"); test/unit/gates.test.ts keeps them equal to
 * the model's verdict kinds.
 */
export const FAIL_ON_KINDS = ['regression', 'flaky', 'healed_late', 'flapped', 'false_heal', 'silent_heal', 'escalated', 'not_healed', 'inconclusive', 'residue', 'known-gap', 'fixed-gap'] as const;

/** What each `--fail-on` name fails on, for `--help` and the docs. */
export const FAIL_ON_MEANINGS: Readonly<Record<FailOnKind, string>> = {
  regression: 'an attempt that passed in the baseline run fails now',
  flaky: 'a scenario both passed and failed across repeats or recent runs',
  healed_late: 'a heal after the SLA',
  flapped: 'a heal that did not hold',
  false_heal: 'a claimed heal on a host still drifted',
  silent_heal: 'a heal the stack never reported',
  escalated: 'an escalation',
  not_healed: 'drift left to the end of the window',
  inconclusive: 'a lab failure',
  residue: 'drift left on the lab after the run',
  'known-gap': 'a known gap (tag known-gap) failing as expected: the old "every failure is red"',
  'fixed-gap': 'a known gap that now passes (drop its known-gap tag)',
};

export type FailOnKind = (typeof FAIL_ON_KINDS)[number];

/** The `--fail-on` help text: every kind with what it fails on. */
export function failOnOptionHelp(): string {
  return `gate: fail (exit 1) on any of these, comma-separated: ${FAIL_ON_KINDS.map((kind) => `${kind} (${FAIL_ON_MEANINGS[kind]})`).join('; ')}`;
}

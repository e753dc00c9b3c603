/**
 * A tier or runbook mismatch is only meaningful when the stack acted (claimed or
 * escalated) and the scenario expects a value: then a missing value is a mismatch too.
 * The live verdict (engine) and the fold of a recorded run (events) both decide it here.
 */
export function expectationMismatch(expected: string | undefined, observed: string | undefined, stackActed: boolean): boolean {
  return expected !== undefined && stackActed && observed !== expected;
}

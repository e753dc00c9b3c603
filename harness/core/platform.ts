/**
 * The operating systems a lab host can run. Faults, scenarios and hosts each
 * name one, and the planner only pairs a scenario with hosts of its platform.
 */
export const PLATFORMS = ['linux', 'windows'] as const;
export type Platform = (typeof PLATFORMS)[number];

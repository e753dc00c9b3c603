import type { Catalogue } from '../config/catalogue.js';
import type { LabConfig } from '../config/lab-schema.js';
import { planRun } from './plan.js';
import type { PlannedAttempt, PlanOptions } from './plan-types.js';

/**
 * What `chaoslab selftest` proves: every selected scenario on every host its
 * target matches (a run picks one; a fault is proven wherever it could land),
 * once. A bundle is not injected as such: each member is proven on its own, as
 * `<scenario>@<host>#1`, once however many bundles or selectors name it.
 */
export function planSelfTest(catalogue: Catalogue, lab: LabConfig, options: Pick<PlanOptions, 'suite' | 'select' | 'grep'>): PlannedAttempt[] {
  const plan = planRun(catalogue, lab, { ...options, repeat: 1, allHosts: true });
  const proofs = new Map<string, PlannedAttempt>();
  for (const { bundleId: _bundle, bundleRunId: _run, ...attempt } of plan.attempts) {
    if (attempt.skip || !attempt.host) continue;
    const attemptId = `${attempt.scenario.config.id}@${attempt.host.name}#1`;
    if (!proofs.has(attemptId)) proofs.set(attemptId, { ...attempt, attemptId });
  }
  return [...proofs.values()];
}

import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../harness/core/errors.js';
import { loadProject } from '../../harness/config/load-project.js';
import { planRun } from '../../harness/engine/plan.js';
import { testFaultLookup } from '../fixtures/config/test-faults.js';

const CATALOGUE = 'test/fixtures/config/catalogue';
const STACKS = 'test/fixtures/config/stacks';

describe('per-stack expectation overlays', () => {
  it('replace expect only on hosts running that stack, and drop what the stack cannot report', async () => {
    const project = await loadProject({ scenarioPaths: [CATALOGUE], labPath: `${STACKS}/lab-stacks.yaml`, faults: testFaultLookup });
    const plan = planRun(project.catalogue, project.lab!, { select: ['lin-firewall', 'lin-ssh-root-login', 'lin-rsyslog'], allHosts: true, expectations: project.expectations });
    const expectations = Object.fromEntries(plan.attempts.map((attempt) => [attempt.attemptId, attempt.scenario.config.expect]));
    expect(expectations).toEqual({
      // web-1 runs acme: its overlay says the firewall drift is not covered
      'lin-firewall@web-1#1': { outcome: 'ignore' },
      // not in the overlay: the scenario's own expectation, minus the runbook acme cannot report
      'lin-ssh-root-login@web-1#1': { outcome: 'heal' },
      'lin-rsyslog@web-1#1': { outcome: 'heal' },
      // db-1 runs the reference healer: nothing changes there
      'lin-rsyslog@db-1#1': { outcome: 'heal' },
    });
  });

  it('without the overlay the plan keeps every expectation (a regression stays a failure)', async () => {
    const project = await loadProject({ scenarioPaths: [CATALOGUE], labPath: `${STACKS}/lab-stacks.yaml`, faults: testFaultLookup });
    const plan = planRun(project.catalogue, project.lab!, { select: ['lin-ssh-root-login'] });
    expect(plan.attempts[0]!.scenario.config.expect).toEqual({ outcome: 'heal', runbook: 'L1-SSH-001' });
  });

  async function problems(lab: string): Promise<string[]> {
    try {
      await loadProject({ scenarioPaths: [CATALOGUE], labPath: `${STACKS}/${lab}`, faults: testFaultLookup });
    } catch (error) {
      if (error instanceof ConfigError) return error.issues.map(formatIssue);
      throw error;
    }
    throw new Error(`expected ${lab} to be refused`);
  }

  it('refuses unknown scenario ids and unreadable overlays, with file and line', async () => {
    expect(await problems('lab-bad-overlay.yaml')).toEqual([
      `${STACKS}/bad-expectations.yaml:5:3 scenarios.lin-nonexistent: unknown scenario "lin-nonexistent" (not in the loaded catalogue)`,
      `${STACKS}/lab-bad-overlay.yaml:6:9 expectations.beta: cannot read missing-file.yaml: ENOENT`,
    ]);
  });

  it('refuses an overlay for a stack no host of the lab runs', async () => {
    expect(await problems('lab-unused-overlay.yaml')).toEqual([
      `${STACKS}/lab-unused-overlay.yaml:5:10 expectations.other: no host of this lab runs healer "other" (hosts run: acme)`,
    ]);
  });
});

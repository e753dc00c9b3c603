import { describe, expect, it } from 'vitest';
import { loadProject } from '../../harness/config/load-project.js';
import { ConfigError, formatIssue } from '../../harness/core/errors.js';
import { planRun } from '../../harness/engine/plan.js';
// The real Windows fault library registers itself in the fault registry the loader reads by default.

const WINDOWS_LAB = 'lab/examples/windows-ad-lab.yaml';
const EMBEDDED_LAB = 'lab/embedded.yaml';

describe('the committed Windows catalogue', () => {
  it('validates against the example AD lab with the real fault library, and plans one attempt per scenario on the right role', async () => {
    const project = await loadProject({ scenarioPaths: ['scenarios/windows'], labPath: WINDOWS_LAB });
    expect(project.catalogue.scenarios).toHaveLength(8);
    const plan = planRun(project.catalogue, project.lab!);
    expect(plan.attempts.filter((attempt) => attempt.skip)).toEqual([]);
    for (const attempt of plan.attempts) expect(attempt.host?.roles).toContain(attempt.scenario.config.target);
  });

  it('is skipped as platform_unavailable on the Linux-only embedded lab, never an error', async () => {
    const project = await loadProject({ scenarioPaths: ['scenarios/windows'], labPath: EMBEDDED_LAB });
    const plan = planRun(project.catalogue, project.lab!);
    expect(plan.attempts).toHaveLength(8);
    expect(new Set(plan.attempts.map((attempt) => attempt.skip?.reason))).toEqual(new Set(['platform_unavailable']));
  });
});

describe('the Windows management plane is protected at validation', () => {
  it('refuses a built-in fault that disables WinRM, and explicit steps that close its firewall rules', async () => {
    const error = await loadProject({ scenarioPaths: ['test/fixtures/config/windows-unsafe'], labPath: WINDOWS_LAB }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CHAOSLAB_UNSAFE_FAULT');
    expect((error as ConfigError).issues.map(formatIssue)).toEqual([
      'test/fixtures/config/windows-unsafe/win-block-winrm-rule.yaml:10:11 steps.inject: unsafe fault: the steps appear to touch the management plane of host ws01: service WinRM (protected; found by a heuristic scan of the inject/revert commands — refusing to inject)',
      'test/fixtures/config/windows-unsafe/win-stop-winrm.yaml:10:8 fault.use: unsafe fault: windows.service_state touches the management plane of host dc01: service WinRM (protected; refusing to inject)',
    ]);
  });
});

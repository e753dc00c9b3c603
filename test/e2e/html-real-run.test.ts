import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { createEngineLab, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * A real `chaoslab run` (built CLI, real sshd, the real file healer) whose healer
 * claims a fix it did not make: its scorecard, opened in Chromium, says FAILED
 * with the exit code, puts the false heal with its cause at the top, and offers
 * the run's own command line narrowed to that scenario and pinned to its host
 * (which, run again, repeats exactly that attempt); the github reporter
 * annotates it and appends the summary to $GITHUB_STEP_SUMMARY.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

describe('the scorecard of a real run', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let browser: Browser;
  let result: { code: number; stdout: string; stderr: string };
  let out: string;
  let stepSummary: string;
  /** The rerun command the scorecard offers for the false heal. */
  let rerun = '';

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [{ id: 'heals', behaviour: 'heal', hold: '500ms' }, { id: 'lies', behaviour: 'claim-without-fix' }]);
    out = join(lab.dir, 'reports');
    stepSummary = join(lab.dir, 'step-summary.md');
    writeFileSync(stepSummary, '');
    result = await runCli(['run', lab.scenariosDir, '--lab', lab.labFile, '--out', out, '--reporter', 'html,markdown,github'], {
      cwd: lab.dir,
      env: { CHAOSLAB_STATE_DIR: join(lab.dir, 'state'), GITHUB_STEP_SUMMARY: stepSummary },
    });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('exits 1, annotates the false heal with its cause, and fills the job summary', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const errors = result.stdout.split('\n').filter((line) => line.startsWith('::error '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error title=lies @ web1::claimed at [\d.]+m?s, host still drifted at [\d.]+m?s$/);
    const summary = readFileSync(stepSummary, 'utf8');
    expect(summary.split('\n')[0]).toBe('## chaoslab: 1/2 passed (50%) — Linux 1/2');
    expect(summary).toContain('**❌ FAILED · exit 1 (an expectation or a gate failed) · 1 expectation not met**');
  });

  it('opens on the failed state and the false heal, whose link opens its evidence and rerun command', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(join(out, 'latest', 'index.html')).href);
    await page.waitForSelector('html[data-ready="true"]');
    expect(await page.locator('#headline').textContent()).toBe('1/2 passed (50%) — Linux 1/2');
    expect(await page.locator('#run-state').textContent()).toBe('FAILED · exit 1 (an expectation or a gate failed) · 1 expectation not met');
    const failure = page.locator('#attention .att-list li');
    expect(await failure.count()).toBe(1);
    expect(await failure.textContent()).toMatch(/^lies @ web1 false_heal claimed at [\d.]+m?s, host still drifted at [\d.]+m?s$/);
    await failure.locator('a').click();
    const evidence = page.locator('details.attempt[open] .evidence');
    await evidence.locator('code.rerun').waitFor();
    rerun = (await evidence.locator('code.rerun').textContent())!;
    expect(rerun).toBe(`chaoslab run ${lab.scenariosDir} --lab ${lab.labFile} --out ${out} --reporter html,markdown,github --host web1 lies`);
    expect(await evidence.textContent()).toContain('claimed_healed');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the copied rerun command runs that one attempt again, on the same host', async () => {
    expect(rerun).toMatch(/^chaoslab run /);
    const again = await runCli(rerun.split(' ').slice(1), { cwd: lab.dir, env: { CHAOSLAB_STATE_DIR: join(lab.dir, 'state') } });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(1);
    const model = JSON.parse(readFileSync(join(out, 'latest', 'run.json'), 'utf8')) as { argv: string[]; attempts: { attemptId: string; host: string; verdict: { kind: string } }[] };
    expect(model.argv).toContain('--host');
    expect(model.attempts.map((a) => [a.attemptId, a.host, a.verdict.kind])).toEqual([['lies@web1#1', 'web1', 'false_heal']]);
  });
});

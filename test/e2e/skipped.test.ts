import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { createEngineLab, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * `skipped` as the engine produces it, through the built CLI: a Windows scenario
 * on a lab without Windows hosts (platform_unavailable) and a scenario left out
 * by --grep (filtered), next to one that really runs against the real sshd and
 * file healer. Every output must keep both skips out of the score's denominator.
 */
const WINDOWS_SCENARIO = [
  'id: win-heals-registry',
  'title: win-heals registry value drifts',
  'platform: windows',
  'target: windows',
  'check_type: registry_value',
  'sla: 2s',
  'window: 5s',
  'hold: 1s',
  'expect: { outcome: heal }',
  'steps:',
  '  snapshot: (Get-ItemProperty -Path HKLM:\\Software\\Chaoslab -Name Value).Value',
  '  inject: Set-ItemProperty -Path HKLM:\\Software\\Chaoslab -Name Value -Value drifted',
  "  check: if ((Get-ItemProperty -Path HKLM:\\Software\\Chaoslab -Name Value).Value -ne 'secure') { exit 1 }",
  '  revert: Set-ItemProperty -Path HKLM:\\Software\\Chaoslab -Name Value -Value {{snapshot}}',
  '',
].join('\n');

interface RunJsonAttempt { scenarioId: string; host: string; passed: boolean; verdict: { kind: string; reason?: string; detail?: string } }

describe('skipped attempts through the real engine (e2e)', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let result: { code: number; stdout: string; stderr: string };
  const out = () => join(lab.dir, 'reports', 'latest');

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [
      { id: 'heals', behaviour: 'heal', hold: '500ms' },
      { id: 'control', behaviour: 'ignore', expect: 'ignore', window: '2s' },
    ]);
    await writeFile(join(lab.scenariosDir, 'win-heals-registry.yaml'), WINDOWS_SCENARIO);
    result = await runCli(['run', lab.scenariosDir, '--lab', lab.labFile, '--grep', 'heals', '--out', join(lab.dir, 'reports'), '--reporter', 'console,json,junit,markdown,html'], {
      cwd: lab.dir,
      env: { CHAOSLAB_STATE_DIR: join(lab.dir, 'state') },
    });
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('runs what it can and exits 0: skips are not failures', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('records each skip with the reason the plan gave, in run.json', async () => {
    const run = JSON.parse(await readFile(join(out(), 'run.json'), 'utf8')) as { attempts: RunJsonAttempt[] };
    const byId = new Map(run.attempts.map((a) => [a.scenarioId, a]));
    expect(run.attempts).toHaveLength(3);
    expect(byId.get('heals')!.verdict.kind).toBe('healed');
    expect(byId.get('heals')!.passed).toBe(true);
    expect(byId.get('control')!.verdict).toEqual({ kind: 'skipped', reason: 'filtered', detail: 'does not match --grep heals' });
    expect(byId.get('win-heals-registry')!.verdict).toEqual({ kind: 'skipped', reason: 'platform_unavailable', detail: 'lab engine-test-lab has no windows host' });
    // nothing was injected for a skip: its file was never touched and the healer never saw it
    expect(await readFile(lab.healerLog, 'utf8')).not.toContain('file_control');
  });

  it('counts them as skipped in JUnit, never as failures or errors', async () => {
    const junit = await readFile(join(out(), 'junit.xml'), 'utf8');
    // junit-10.xsd puts skipped on each <testsuite>, not on <testsuites>
    expect(junit).toMatch(/<testsuites [^>]*tests="3" failures="0" errors="0"/);
    const skipped = [...junit.matchAll(/<testsuite [^>]* skipped="(\d+)"/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(skipped).toBe(2);
    expect(junit).toContain('<skipped message="filtered: does not match --grep heals"/>');
    expect(junit).toContain('<skipped message="platform_unavailable: lab engine-test-lab has no windows host"/>');
    // the first attempt of a scenario carries no repeat number (the engine counts attempts from 1)
    expect(junit.match(/<testcase name="[^"]*"/g)?.sort()).toEqual(['<testcase name="control"', '<testcase name="heals"', '<testcase name="win-heals-registry"']);
  });

  it('keeps them out of the score denominator in report.json: 1/1, not 1/3', async () => {
    const report = JSON.parse(await readFile(join(out(), 'report.json'), 'utf8')) as { summary: { total: number; score: unknown; verdicts: Record<string, number> } };
    expect(report.summary.total).toBe(3);
    expect(report.summary.score).toEqual({ passed: 1, scored: 1, excluded: 2, inconclusive: 0, skipped: 2, rate: 1 });
    expect(report.summary.verdicts).toMatchObject({ healed: 1, skipped: 2 });
  });

  it('says 1/1 in the console, the Markdown summary and the HTML scorecard, and shows the skips', async () => {
    expect(result.stdout).toMatch(/1\/1 passed \(100%\)/);
    expect(result.stdout).toMatch(/control @ web1 +skipped/);
    expect(result.stdout).toMatch(/win-heals-registry @ windows +skipped/);
    expect(result.stdout).toContain('verdicts: healed 1, skipped 2');
    const markdown = await readFile(join(out(), 'summary.md'), 'utf8');
    expect(markdown.split('\n')[0]).toMatch(/^## chaoslab: 1\/1 passed \(100%\)/);
    // the lab has no Windows host: its skipped Windows scenario is not a "Windows 0/0" in the headline
    expect(markdown.split('\n')[0]).toBe('## chaoslab: 1/1 passed (100%) — Linux 1/1');
    expect(markdown).toMatch(/skipped/);
    const html = await readFile(join(out(), 'index.html'), 'utf8');
    expect(html).toMatch(/<h1 id="headline">1\/1 passed \(100%\)/);
  });
});

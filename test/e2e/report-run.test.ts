import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { createEngineLab, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * The scorecard reporters in a real `chaoslab run` (built CLI, real sshd, the file
 * healer): JUnit valid against the schema, Markdown and HTML written, the run index
 * updated, and a second run compared with the first (baseline diff, trend).
 */
const XSD = resolve(import.meta.dirname, '../fixtures/junit/junit.xsd');

describe('scorecards from a real run', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let out: string;
  const env = () => ({ CHAOSLAB_STATE_DIR: join(lab.dir, 'state') });
  const run = (...extra: string[]) =>
    runCli(['run', lab.scenariosDir, '--lab', lab.labFile, '--out', out, '--reporter', 'junit,markdown,html', ...extra], { cwd: lab.dir, env: env() });

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [{ id: 'heals', behaviour: 'heal', hold: '500ms' }, { id: 'control', behaviour: 'ignore', expect: 'ignore', window: '2s' }]);
    out = join(lab.dir, 'reports');
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('writes a schema-valid junit.xml, summary.md and index.html, and indexes the run', async () => {
    const result = await run();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const dir = join(out, 'latest');
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite name="linux\/web1" tests="2" failures="0" errors="0" skipped="0"/);
    const lint = spawnSync('xmllint', ['--noout', '--schema', XSD, join(dir, 'junit.xml')], { encoding: 'utf8' });
    expect(lint.stderr).toMatch(/validates/);
    expect(readFileSync(join(dir, 'summary.md'), 'utf8').split('\n')[0]).toBe('## chaoslab: 2/2 passed (100%) — Linux 2/2');
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<h1 id="headline">2/2 passed (100%) — Linux 2/2</h1>');
    expect(html).not.toMatch(/<(?:link|img)[^>]+(?:href|src)="https?:/);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { runs: { passed: number; scored: number }[] };
    expect(index.runs).toMatchObject([{ passed: 2, scored: 2 }]);
  });

  it('compares a second run with the first: baseline diff in Markdown, trend in HTML', async () => {
    const first = readdirSync(out).find((name) => name !== 'latest' && name !== 'index.json')!;
    const result = await run('--baseline', first);
    expect(result.code).toBe(0);
    const summary = readFileSync(join(out, 'latest', 'summary.md'), 'utf8');
    expect(summary).toContain('### Change vs baseline');
    expect(summary).toContain('Score 2/2 (100%) → 2/2 (100%)');
    const html = readFileSync(join(out, 'latest', 'index.html'), 'utf8');
    expect(html).toContain('Trend over the last runs');
    expect(html).toContain('id="baseline"');
    expect((JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { runs: unknown[] }).runs).toHaveLength(2);
  });

  it('takes --baseline previous as the newest earlier run and gates on regressions against it', async () => {
    const result = await run('--baseline', 'previous', '--fail-on', 'regression');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(join(out, 'latest', 'summary.md'), 'utf8')).toContain('### Change vs baseline');
  });
});

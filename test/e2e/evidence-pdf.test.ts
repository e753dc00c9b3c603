import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../harness/evidence/manifest.js';
import type { RunModel } from '../../harness/model/run-model.js';
import { runCli } from '../support/engine-cli.js';
import { createEngineLab, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * `--reporter pdf` on a real run: the scorecard printed by Debian's Chromium,
 * read back with pdftotext (poppler-utils): the headline, every failed
 * expectation with its cause, the run id and page numbers in the footer; the
 * PDF is in the signed manifest. A re-render inside a new, empty network
 * namespace (`unshare --net`: not even loopback is up) shows it needs no network.
 */
function pdfText(path: string): string {
  const result = spawnSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pdftotext failed: ${result.stderr}`);
  return result.stdout;
}

describe('PDF scorecard (e2e)', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let runDir: string;
  let run: RunModel;
  const env = () => ({ CHAOSLAB_STATE_DIR: join(lab.dir, 'state') });

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [
      { id: 'heals', behaviour: 'heal', hold: '500ms' },
      { id: 'misses', behaviour: 'ignore', sla: '1s', window: '2s' },
      { id: 'lies', behaviour: 'claim-without-fix' },
    ]);
    const out = join(lab.dir, 'reports');
    const result = await runCli(['run', lab.scenariosDir, '--lab', lab.labFile, '--out', out, '--reporter', 'json,html,pdf'], { cwd: lab.dir, env: env() });
    expect(result.stderr).toBe('');
    const written = join(out, (await readdir(out)).find((n) => /^\d{8}T/.test(n))!, 'run.json');
    const verdicts = (JSON.parse(readFileSync(written, 'utf8')) as RunModel).attempts.map((a) => `${a.scenarioId}: ${JSON.stringify(a.verdict)}`);
    expect(result.code, verdicts.join('\n')).toBe(1);
    runDir = join(out, (await readdir(out)).find((n) => /^\d{8}T/.test(n))!);
    run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunModel;
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('holds the headline, every failed expectation with its cause, evidence per attempt, the run id and page numbers', () => {
    const text = pdfText(join(runDir, 'scorecard.pdf'));
    // long temp paths wrap; join what pdftotext split at a line end inside a word
    const html = readFileSync(join(runDir, 'index.html'), 'utf8');
    const headline = /<h1 id="headline">([^<]+)<\/h1>/.exec(html)![1]!.replace('&#x2F;', '/');
    expect(headline).toMatch(/^1\/3 /);
    expect(text).toContain(headline);
    const failed = run.attempts.filter((a) => !a.passed);
    expect(failed.map((a) => a.verdict.kind).sort()).toEqual(['false_heal', 'not_healed']);
    expect(text).toContain('Failed expectations (2)');
    const flat = text.replace(/-\n\s*/g, '-').replace(/\s+/g, ' ');
    for (const attempt of failed) expect(flat).toContain(`${attempt.attemptId} ${attempt.verdict.kind} — `);
    // the same cause line as the HTML and every other report (model/cause.ts), then what was expected and the check that still saw the drift
    for (const attempt of failed) expect(flat).toContain(`${attempt.attemptId} ${attempt.verdict.kind} — ${attempt.cause}; expected heal L1 `);
    expect(flat).toMatch(/misses@web1#1 not_healed — no healer event in [\d.]+m?s; expected heal L1 RB-misses; .*misses\.conf holds drifted/);
    expect(flat).toMatch(/lies@web1#1 false_heal — claimed at \S+, host still drifted at \S+; expected heal L1 RB-lies; .*lies\.conf holds drifted/);
    expect(text).toContain('Breakdowns');
    expect(text).toContain('Evidence per attempt (3)');
    expect(text).toContain(`chaoslab run ${run.runId}`);
    expect(text).toMatch(/page 1 of \d+/);
  });

  it('is listed in the run\'s signed manifest, which verifies', async () => {
    const manifest = JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.artifacts.map((a) => a.path)).toContain('scorecard.pdf');
    const verified = await runCli(['verify', runDir], { cwd: lab.dir, env: env() });
    expect(verified.code).toBe(0);
  });

  it('is printed without any network: a re-render inside an empty network namespace', () => {
    const out = join(lab.dir, 'offline');
    const result = spawnSync('unshare', ['--net', process.execPath, resolve('bin/chaoslab.js'), 'report', runDir, '--reporter', 'pdf', '--out', out], { cwd: lab.dir, encoding: 'utf8', env: { ...process.env, ...env(), NO_COLOR: '1' } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    expect(pdfText(join(out, 'scorecard.pdf'))).toContain('Failed expectations (2)');
  });
});

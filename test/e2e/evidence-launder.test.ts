import { generateKeyPairSync } from 'node:crypto';
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerHash, sha256Hex } from '../../harness/evidence/chain.js';
import { resolveSigner } from '../../harness/evidence/keys.js';
import { writeManifest, type Manifest } from '../../harness/evidence/manifest.js';
import { runCli } from '../support/engine-cli.js';
import { createEngineLab, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * Evidence that cannot be laundered (issue #25), through the built CLI on real
 * runs: a tampered folder re-signed with any key is not re-signed by
 * `chaoslab report` with the lab's key; `verify --public-key` checks every
 * signer, sources included; without a pin `verify` says it checked integrity
 * only (and fails under --strict); an extra temp file, a symbolic link and a
 * genuine run renamed to another run's id fail.
 */
describe('evidence cannot be laundered (e2e)', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let runA: string;
  let runB: string;
  let labKey: string;
  const env = () => ({ CHAOSLAB_STATE_DIR: join(lab.dir, 'state') });
  const cli = (...args: string[]) => runCli(args, { cwd: lab.dir, env: env() });
  const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;

  /** A copy of a run in a folder of its own, under the run's own name (or another). */
  function copyOf(run: string, name: string, as = basename(run)): string {
    const target = join(lab.dir, 'copies', name, as);
    cpSync(run, target, { recursive: true, verbatimSymlinks: true });
    return target;
  }

  function attackerKey(name: string): string {
    const file = join(lab.dir, `${name}.pem`);
    writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    return file;
  }

  /** What an attacker does by hand: flip a verdict, chain the log again, seal the folder with a key of their own. */
  async function launder(dir: string, keyFile: string): Promise<void> {
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    const flipped = lines.find((e) => e.type === 'attempt_ended' && (e.verdict as { kind: string }).kind === 'not_healed')!;
    flipped.verdict = { kind: 'healed' };
    flipped.passed = true;
    let prev = headerHash(String(lines[0]!.runId));
    const chained = lines.map((event) => {
      const text = JSON.stringify({ ...event, prev });
      prev = sha256Hex(text);
      return text;
    });
    writeFileSync(join(dir, 'events.jsonl'), `${chained.join('\n')}\n`);
    const signer = await resolveSigner(`file:${keyFile}`, { stateDir: join(lab.dir, 'nowhere'), labName: 'x' });
    const manifest = manifestOf(dir);
    await writeManifest(dir, { kind: 'run', runId: manifest.runId, status: 'completed', argv: manifest.argv, version: manifest.chaoslabVersion, logs: ['events.jsonl'], signer });
  }

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [
      { id: 'heals', behaviour: 'heal', hold: '500ms' },
      { id: 'misses', behaviour: 'ignore', window: '2s' },
    ]);
    const reports = join(lab.dir, 'reports');
    const first = await cli('run', 'heals', 'misses', lab.scenariosDir, '--lab', lab.labFile, '--out', reports, '--reporter', 'json,html');
    expect(first.code, first.stderr).toBe(1);
    runA = join(reports, (await readdir(reports)).find((n) => /^\d{8}T/.test(n))!);
    const second = await cli('run', 'heals', lab.scenariosDir, '--lab', lab.labFile, '--out', join(lab.dir, 'other'), '--reporter', 'json');
    expect(second.code, second.stderr).toBe(0);
    runB = join(lab.dir, 'other', (await readdir(join(lab.dir, 'other'))).find((n) => /^\d{8}T/.test(n))!);
    labKey = manifestOf(runA).signature.keyFingerprint;
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('report refuses to sign over a flipped, re-chained, re-signed folder; verify pinned to the lab key fails on it', async () => {
    const dir = copyOf(runA, 'laundered');
    await launder(dir, attackerKey('attacker'));
    const forged = manifestOf(dir);
    expect(forged.signature.keyFingerprint).not.toBe(labKey);
    const report = await cli('report', dir, '--reporter', 'json,html');
    expect(report.code).toBe(2);
    expect(report.stderr).toContain(`CHAOSLAB_EVIDENCE: refusing to re-render and sign ${dir}: its evidence does not verify against the trusted key(s) ${labKey}: manifest.json is signed by key ${forged.signature.keyFingerprint}, not by the expected ${labKey}`);
    // nothing was written: the forged manifest is still the folder's, and nothing signed it with the lab's key
    expect(manifestOf(dir)).toEqual(forged);
    const pinned = await cli('verify', dir, '--public-key', labKey);
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toContain(`FAILED ${dir}: manifest.json is signed by key ${forged.signature.keyFingerprint}, not by the expected ${labKey}`);
    // unpinned, the forgery's integrity holds: verify says that is all it checked, and --strict fails
    const plain = await cli('verify', dir);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(`verified ${dir} (integrity only, signer not checked)`);
    const strict = await cli('verify', dir, '--strict');
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('integrity only, signer not checked: --strict needs --public-key');
  });

  it('a re-signed run names every signer, and --public-key checks each of them, sources included', async () => {
    const dir = copyOf(runA, 're-signed');
    const other = attackerKey('other');
    const render = await cli('report', dir, '--reporter', 'json', '--signing-key', `file:${other}`);
    expect(render.code, render.stderr).toBe(1);
    const top = manifestOf(dir).signature.keyFingerprint;
    expect(render.stdout).toContain(`key ${top}`);
    expect(render.stdout).toContain(`made from manifests signed by ${labKey}`);
    // the new key alone is not enough: the run's own manifest, now a source, was signed by the lab's key
    const onlyNew = await cli('verify', dir, '--public-key', top);
    expect(onlyNew.code).toBe(1);
    expect(onlyNew.stdout).toMatch(new RegExp(`FAILED .*: source manifest manifest-\\d{8}T\\d+Z\\.json is signed by key ${labKey.replace(/[+/]/g, '\\$&')}, not by the expected ${top.replace(/[+/]/g, '\\$&')}`));
    const both = await cli('verify', dir, '--public-key', top, '--public-key', labKey);
    expect(both.code, both.stdout).toBe(0);
    expect(both.stdout).toContain(`signed by ${top}; its source manifests by ${labKey} (manifest-`);
    expect(both.stdout).toContain('every signer is an expected key');
  });

  it('a folder that was never sealed is re-rendered with an unsigned manifest that says why, and does not verify', async () => {
    const dir = copyOf(runA, 'never-sealed');
    rmSync(join(dir, 'manifest.json'));
    const render = await cli('report', dir, '--reporter', 'json,html');
    expect(render.code, render.stderr).toBe(1);
    expect(render.stdout).toContain(`wrote ${join(dir, 'manifest.json')} UNSIGNED: it was rendered from ${dir}, which was never sealed`);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).not.toContain('--public-key SHA256:');
    const verify = await cli('verify', dir, '--public-key', labKey);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`FAILED ${dir}: manifest.json is not signed: it was rendered from ${dir}, which was never sealed`);
    // rendered again, it stays unsigned for the same reason
    const again = await cli('report', dir, '--reporter', 'json');
    expect(again.code, again.stderr).toBe(1);
    expect(again.stdout).toContain(`wrote ${join(dir, 'manifest.json')} UNSIGNED: it was rendered from ${dir}, which was never sealed`);
  });

  it('an extra *.tmp file, a symbolic link and another genuine run renamed to this run\'s id each fail verify', async () => {
    const temp = copyOf(runA, 'tmp');
    writeFileSync(join(temp, 'report.json.4242.tmp'), '{"verdict":"healed"}\n');
    const tempResult = await cli('verify', temp);
    expect(tempResult.code).toBe(1);
    expect(tempResult.stdout).toContain(`FAILED ${temp}: report.json.4242.tmp is not in the manifest`);

    const linked = copyOf(runA, 'link');
    symlinkSync(join(runB, 'report.json'), join(linked, 'report-b.json'));
    const linkResult = await cli('verify', linked);
    expect(linkResult.code).toBe(1);
    expect(linkResult.stdout).toContain(`FAILED ${linked}: report-b.json is a symbolic link: a sealed folder holds only regular files`);

    const renamed = copyOf(runB, 'renamed', basename(runA));
    const renamedResult = await cli('verify', renamed, '--public-key', labKey);
    expect(renamedResult.code).toBe(1);
    expect(renamedResult.stdout).toContain(`FAILED ${renamed}: the folder is named ${basename(runA)}, but manifest.json sealed a folder named ${basename(runB)} (run ${basename(runB)}): it was renamed, or another run's folder was put in its place`);
  });
});

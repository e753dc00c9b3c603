import { generateKeyPairSync } from 'node:crypto';
import { cpSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerHash, sha256Hex } from '../../harness/evidence/chain.js';
import type { Manifest } from '../../harness/evidence/manifest.js';
import { runCli, startCli } from '../support/engine-cli.js';
import { createEngineLab, waitForContent, type EngineLab } from '../support/engine-lab.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * Tamper-evidence on real runs (the built CLI, a real sshd and the file
 * healer): every event is chained, every run folder is sealed by a signed
 * manifest, and `chaoslab verify` names the first thing someone changed.
 */
describe('evidence: hash chain, signed manifest, chaoslab verify (e2e)', () => {
  let sshd: SshdFixture;
  let lab: EngineLab;
  let runA: string;
  let runB: string;
  let reports: string;
  const env = () => ({ CHAOSLAB_STATE_DIR: join(lab.dir, 'state') });
  const cli = (...args: string[]) => runCli(args, { cwd: lab.dir, env: env() });
  const events = (dir: string) => readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);

  /** A copy of run A to tamper with, in a folder of its own that keeps the run's name (verify checks it). */
  function copyOfRunA(name: string): string {
    const target = join(lab.dir, 'tampered', name, basename(runA));
    cpSync(runA, target, { recursive: true });
    return target;
  }

  beforeAll(async () => {
    sshd = await startSshd();
    lab = await createEngineLab(sshd, [
      { id: 'heals', behaviour: 'heal', hold: '500ms' },
      { id: 'misses', behaviour: 'ignore', window: '2s' },
      { id: 'slow', behaviour: 'ignore', window: '60s' },
    ]);
    reports = join(lab.dir, 'reports');
    const first = await cli('run', 'heals', 'misses', lab.scenariosDir, '--lab', lab.labFile, '--out', reports, '--reporter', 'console,json,junit,markdown,html');
    expect(first.code, first.stderr).toBe(1);
    runA = join(reports, (await readdir(reports)).find((n) => /^\d{8}T/.test(n))!);
    const second = await cli('run', 'heals', lab.scenariosDir, '--lab', lab.labFile, '--out', join(lab.dir, 'other'), '--reporter', 'json');
    expect(second.code, second.stderr).toBe(0);
    runB = join(lab.dir, 'other', (await readdir(join(lab.dir, 'other'))).find((n) => /^\d{8}T/.test(n))!);
  });

  afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
    await sshd?.[Symbol.asyncDispose]();
  });

  it('chains every event to the line before it, the first to the run header', () => {
    const lines = events(runA);
    const parsed = lines.map((line) => JSON.parse(line) as { prev: string; runId: string; type: string });
    expect(parsed[0]!.type).toBe('run_started');
    expect(parsed[0]!.prev).toBe(headerHash(parsed[0]!.runId));
    for (let i = 1; i < lines.length; i += 1) expect(parsed[i]!.prev).toBe(sha256Hex(lines[i - 1]!));
  });

  it('seals the run: manifest.json lists every file with size and hash, the event count and last hash, version and argv; the per-lab key is 0600', () => {
    const manifest = JSON.parse(readFileSync(join(runA, 'manifest.json'), 'utf8')) as Manifest;
    const lines = events(runA);
    expect(manifest).toMatchObject({ kind: 'run', status: 'completed', chaoslabVersion: JSON.parse(readFileSync('package.json', 'utf8')).version });
    expect(manifest.argv.slice(0, 4)).toEqual(['run', 'heals', 'misses', lab.scenariosDir]);
    expect(manifest.logs).toEqual([{ path: 'events.jsonl', runId: manifest.runId, events: lines.length, lastEventHash: sha256Hex(lines.at(-1)!) }]);
    expect(manifest.artifacts.map((a) => a.path)).toEqual(['chaoslab.log', 'events.jsonl', 'index.html', 'junit.xml', 'report.json', 'run.json', 'summary.md']);
    const html = readFileSync(join(runA, 'index.html'));
    expect(manifest.artifacts.find((a) => a.path === 'index.html')).toEqual({ path: 'index.html', size: html.length, sha256: sha256Hex(html) });
    const key = join(lab.dir, 'state', 'signing', 'engine-test-lab.pem');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    // the scorecard names the key and says how to verify
    expect(html.toString()).toContain(`chaoslab verify reports/${manifest.runId} --public-key ${manifest.signature.keyFingerprint}`);
  });

  it('an untouched run verifies (exit 0), also pinned to the key the scorecard shows', async () => {
    const manifest = JSON.parse(readFileSync(join(runA, 'manifest.json'), 'utf8')) as Manifest;
    const plain = await cli('verify', runA);
    expect(plain.stdout).toContain(`verified ${runA} (integrity only, signer not checked): run ${manifest.runId}`);
    expect(plain.code).toBe(0);
    const pinned = await cli('verify', runA, '--public-key', manifest.signature.keyFingerprint);
    expect(pinned.code).toBe(0);
    expect(pinned.stdout).toContain('every signer is an expected key');
    expect(plain.stdout).toContain('(integrity only, signer not checked)');
    const pem = await cli('verify', runA, '--public-key', `file:${join(lab.dir, 'state', 'signing', 'engine-test-lab.pub.pem')}`);
    expect(pem.code).toBe(0);
  });

  it('a flipped byte in an event names that event', async () => {
    const dir = copyOfRunA('flip');
    const lines = events(dir);
    const target = 4;
    // flip one byte inside a value of event seq 5 (line 5): it stays JSON, its hash changes
    const at = lines[target]!.indexOf('"type":"') + 9;
    const bytes = Buffer.from(readFileSync(join(dir, 'events.jsonl')));
    const offset = lines.slice(0, target).reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0) + at;
    bytes[offset] = bytes[offset]! ^ 0x01;
    writeFileSync(join(dir, 'events.jsonl'), bytes);
    const result = await cli('verify', dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAILED ${dir}: events.jsonl: event seq 5 (line 5) was altered`);
  });

  it('a deleted event, two reordered events, a truncated tail, an altered last event: each named', async () => {
    const cases: [string, (lines: string[]) => string[], string][] = [
      ['delete', (l) => [...l.slice(0, 6), ...l.slice(7)], 'events.jsonl: event seq 7 is missing (line 7 holds seq 8): an event was deleted'],
      ['reorder', (l) => [...l.slice(0, 3), l[4]!, l[3]!, ...l.slice(5)], 'events.jsonl: events out of order at line 4: seq 5 where seq 4 belongs'],
      ['truncate', (l) => l.slice(0, -3), `the tail was truncated`],
      ['last', (l) => [...l.slice(0, -1), l.at(-1)!.replace('"run_ended"', '"run_ended","note":1')], 'the last, was altered'],
    ];
    for (const [name, edit, message] of cases) {
      const dir = copyOfRunA(name);
      writeFileSync(join(dir, 'events.jsonl'), `${edit(events(dir)).join('\n')}\n`);
      const result = await cli('verify', dir);
      expect(result.code, name).toBe(1);
      expect(result.stdout.split('\n')[0], name).toContain(message);
    }
    const cut = copyOfRunA('cut-mid-line');
    const text = readFileSync(join(cut, 'events.jsonl'), 'utf8');
    writeFileSync(join(cut, 'events.jsonl'), text.slice(0, text.length - 40));
    expect((await cli('verify', cut)).stdout).toMatch(/events\.jsonl: line \d+ is cut short \(no newline\): the log was truncated/);
  });

  it('an edited index.html, another run\'s run.json, an added file: each named', async () => {
    const html = copyOfRunA('html');
    writeFileSync(join(html, 'index.html'), readFileSync(join(html, 'index.html'), 'utf8').replace('not_healed', 'healed'));
    const edited = await cli('verify', html);
    expect(edited.code).toBe(1);
    expect(edited.stdout.split('\n')[0]).toMatch(/FAILED .*: index\.html was modified: \d+ bytes, sha256 [0-9a-f]{64}; the manifest lists/);
    const swapped = copyOfRunA('run-json');
    cpSync(join(runB, 'run.json'), join(swapped, 'run.json'));
    const other = (JSON.parse(readFileSync(join(runB, 'run.json'), 'utf8')) as { runId: string }).runId;
    const swap = await cli('verify', swapped);
    expect(swap.code).toBe(1);
    expect(swap.stdout.split('\n')[0]).toContain(`run.json belongs to run ${other}, not `);
    const added = copyOfRunA('added');
    writeFileSync(join(added, 'extra.txt'), 'later\n');
    expect((await cli('verify', added)).stdout).toContain('extra.txt is not in the manifest');
  });

  it('a replaced signature, an edited manifest, a manifest re-signed with another key: each named', async () => {
    const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const replaced = copyOfRunA('signature');
    const otherSignature = manifestOf(runB).signature.value;
    writeFileSync(join(replaced, 'manifest.json'), JSON.stringify({ ...manifestOf(replaced), signature: { ...manifestOf(replaced).signature, value: otherSignature } }, null, 2));
    const signature = await cli('verify', replaced);
    expect(signature.code).toBe(1);
    expect(signature.stdout.split('\n')[0]).toContain('manifest.json: the signature does not match its contents');
    const edited = copyOfRunA('manifest-edit');
    writeFileSync(join(edited, 'manifest.json'), JSON.stringify({ ...manifestOf(edited), status: 'interrupted' }, null, 2));
    expect((await cli('verify', edited)).stdout.split('\n')[0]).toContain('the signature does not match its contents');
    // a forger's own key makes a valid signature, which only pinning the expected key catches
    const forged = copyOfRunA('forged');
    const keyFile = join(lab.dir, 'forger.pem');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const expected = manifestOf(runA).signature.keyFingerprint;
    const resign = await cli('report', forged, '--reporter', 'json', '--signing-key', `file:${keyFile}`);
    expect(resign.stdout).toContain(`signed ${join(forged, 'manifest.json')} with --signing-key file:${keyFile}`);
    expect((await cli('verify', forged)).code).toBe(0);
    const pinned = await cli('verify', forged, '--public-key', expected);
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toContain(`manifest.json is signed by key SHA256:`);
    expect(pinned.stdout).toContain(`not by the expected ${expected}`);
  });

  it('a re-render writes a new manifest that references the run\'s; a merged run verifies with each shard\'s chain', async () => {
    const rendered = copyOfRunA('rendered');
    const before = sha256Hex(readFileSync(join(rendered, 'manifest.json')));
    expect((await cli('report', rendered, '--reporter', 'html,markdown')).code).toBe(1);
    const manifest = JSON.parse(readFileSync(join(rendered, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.kind).toBe('report');
    expect(manifest.sources).toEqual([expect.objectContaining({ sha256: before, path: expect.stringMatching(/^manifest-\d{8}T\d+Z\.json$/) })]);
    expect((await cli('verify', rendered)).code).toBe(0);

    const shards = join(lab.dir, 'shards');
    for (const shard of ['1/2', '2/2']) await cli('run', 'heals', 'misses', lab.scenariosDir, '--lab', lab.labFile, '--out', shards, '--shard', shard, '--reporter', 'json');
    const logs = (await readdir(shards)).filter((n) => /^\d{8}T/.test(n)).map((n) => join(shards, n, 'events.jsonl'));
    expect(logs).toHaveLength(2);
    const merged = join(lab.dir, 'merged');
    const merge = await cli('report', 'merge', ...logs, '--out', merged, '--reporter', 'json,html');
    expect(merge.stdout).toContain(`signed ${join(merged, 'manifest.json')}`);
    const mergedManifest = JSON.parse(readFileSync(join(merged, 'manifest.json'), 'utf8')) as Manifest;
    expect(mergedManifest.kind).toBe('merge');
    expect(mergedManifest.logs).toHaveLength(2);
    expect(mergedManifest.sources).toHaveLength(2);
    const verified = await cli('verify', merged);
    expect(verified.stdout).toContain('verified');
    expect(verified.code).toBe(0);
    // a shard's copied log is still checked against its own chain and its shard's signed manifest
    const shardLog = join(merged, mergedManifest.logs[0]!.path);
    writeFileSync(shardLog, readFileSync(shardLog, 'utf8').replace('"run_started"', '"run_started","x":1'));
    const broken = await cli('verify', merged);
    expect(broken.code).toBe(1);
    expect(broken.stdout.split('\n')[0]).toContain(`${mergedManifest.logs[0]!.path}: event seq 1 (line 1) was altered`);
  });

  it('an interrupted run (first Ctrl-C) is sealed too, and verifies', async () => {
    const out = join(lab.dir, 'interrupted');
    const run = startCli(['run', 'slow', lab.scenariosDir, '--lab', lab.labFile, '--out', out, '--reporter', 'json'], { cwd: lab.dir, env: env() });
    await waitForContent(lab.filePath('slow'), 'drifted\n');
    run.child.kill('SIGINT');
    const result = await run.exited;
    expect(result.code).toBe(130);
    const dir = join(out, (await readdir(out)).find((n) => /^\d{8}T/.test(n))!);
    expect((JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest).status).toBe('interrupted');
    const verified = await cli('verify', dir);
    expect(verified.stdout).toContain('verified');
    expect(verified.code).toBe(0);
  });

  it('usage errors exit 2: a folder that is not there, a key that is not a key', async () => {
    const missing = await cli('verify', join(lab.dir, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no run found');
    const badKey = await cli('verify', runA, '--public-key', 'not-a-key');
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('not an Ed25519 public key');
    const badSigning = await cli('run', 'heals', lab.scenariosDir, '--lab', lab.labFile, '--out', join(lab.dir, 'never'), '--signing-key', 'env:CHAOSLAB_NO_SUCH_KEY');
    expect(badSigning.code).toBe(2);
    expect(badSigning.stderr).toContain('--signing-key');
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSigner, type ManifestSigner } from '../../harness/evidence/keys.js';
import { bodyOf, signManifest, writeManifest, type Manifest, type ManifestBody } from '../../harness/evidence/manifest.js';
import { trustSource } from '../../harness/evidence/trust.js';
import { verifyFolder } from '../../harness/evidence/verify.js';
import { tempDir } from '../support/tmp.js';

/**
 * What verify holds a folder to besides its files' hashes (harness/evidence/verify.ts):
 * its name, paths inside it, legacy manifests without `folder`; and what
 * `report` makes of a folder before it signs (harness/evidence/trust.ts).
 */
describe('verify: the folder itself', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let signer: ManifestSigner;
  beforeEach(async () => {
    dir = await tempDir('chaoslab-verify-folder-');
    writeFileSync(join(dir.path, 'key.pem'), generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    signer = await resolveSigner('file:key.pem', { stateDir: dir.path, labName: 'lab', cwd: dir.path });
  });
  afterEach(async () => {
    await dir[Symbol.asyncDispose]();
  });

  function folder(name: string): string {
    const path = join(dir.path, name);
    mkdirSync(path);
    writeFileSync(join(path, 'run.json'), '{"runId":"run-1"}\n');
    return path;
  }
  const manifestOf = (path: string) => JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8')) as Manifest;
  /** A manifest changed and signed again by the same key: what only a key holder can make. */
  const resign = (path: string, change: (m: ManifestBody) => object) => writeFileSync(join(path, 'manifest.json'), JSON.stringify(signManifest(change(bodyOf(manifestOf(path))) as ManifestBody, signer)));

  it('records the name it sealed and fails when the folder is renamed', async () => {
    const sealed = folder('run-1');
    await writeManifest(sealed, { kind: 'report', runId: 'run-1', argv: ['report'], version: '0', logs: [], signer });
    expect(manifestOf(sealed).folder).toBe('run-1');
    expect((await verifyFolder(sealed, { pins: [signer.fingerprint] })).problems).toEqual([]);
    renameSync(sealed, join(dir.path, 'run-2'));
    expect((await verifyFolder(join(dir.path, 'run-2'))).problems).toEqual(["the folder is named run-2, but manifest.json sealed a folder named run-1 (run run-1): it was renamed, or another run's folder was put in its place"]);
  });

  it('holds a manifest without `folder` (written before it existed) to its run id when it is a run\'s', async () => {
    const legacy = folder('elsewhere');
    await writeManifest(legacy, { kind: 'run', runId: 'run-1', argv: ['run'], version: '0', logs: [], signer });
    resign(legacy, ({ folder: _folder, ...rest }) => rest);
    expect((await verifyFolder(legacy)).problems[0]).toContain('the folder is named elsewhere, but manifest.json sealed a folder named run-1');
    resign(legacy, (m) => ({ ...m, kind: 'report' }));
    expect((await verifyFolder(legacy)).problems).toEqual([]);
  });

  it('refuses a listed path outside the folder, even validly signed', async () => {
    const sealed = folder('run-1');
    await writeManifest(sealed, { kind: 'report', runId: 'run-1', argv: ['report'], version: '0', logs: [], signer });
    resign(sealed, (m) => ({ ...m, artifacts: [...m.artifacts, { path: '../key.pem', size: 1, sha256: '0' }] }));
    expect((await verifyFolder(sealed)).problems).toContain('manifest.json lists ../key.pem, a path outside the folder');
  });

  it('trust: a folder never sealed is rendered unsigned; one signed by another key is refused with the first problem', async () => {
    const unsealed = folder('run-1');
    expect(await trustSource(unsealed, [signer.fingerprint])).toEqual({ unsigned: expect.stringContaining('which was never sealed') });
    await writeManifest(unsealed, { kind: 'report', runId: 'run-1', argv: ['report'], version: '0', logs: [], signer });
    expect(await trustSource(unsealed, [signer.fingerprint])).toEqual({ signers: [{ manifest: 'manifest.json', fingerprint: signer.fingerprint }] });
    await expect(trustSource(unsealed, ['SHA256:someone-else'])).rejects.toThrow(`refusing to re-render and sign ${unsealed}: its evidence does not verify against the trusted key(s) SHA256:someone-else: manifest.json is signed by key ${signer.fingerprint}, not by the expected SHA256:someone-else`);
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labKeyPath, resolveSigner } from '../../harness/evidence/keys.js';
import { canonicalJson, signatureKey, writeManifest, type Manifest } from '../../harness/evidence/manifest.js';
import { tempDir } from '../support/tmp.js';

/** Signing keys and the manifest signature, on real files and real Ed25519 keys. */
describe('manifest signing', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir('chaoslab-manifest-');
  });
  afterEach(async () => {
    await dir[Symbol.asyncDispose]();
  });

  it('canonical JSON sorts keys at every level and drops undefined, so pretty-printing does not change what is signed', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 'x' }], c: undefined } })).toBe('{"a":{"d":[2,{"e":"x","f":1}]},"b":1}');
  });

  it('creates the per-lab key once (0600) and signs with it on every later use', async () => {
    const stateDir = join(dir.path, 'state');
    const first = await resolveSigner(undefined, { stateDir, labName: 'my lab/1' });
    expect(first.created).toBe(true);
    expect(labKeyPath(stateDir, 'my lab/1')).toBe(join(stateDir, 'signing', 'my_lab_1.pem'));
    expect(statSync(labKeyPath(stateDir, 'my lab/1')).mode & 0o777).toBe(0o600);
    const again = await resolveSigner(undefined, { stateDir, labName: 'my lab/1' });
    expect(again.created).toBe(false);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(first.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('refuses a signing key that is missing, not PEM, or not Ed25519 (usage errors)', async () => {
    const options = { stateDir: dir.path, labName: 'lab', cwd: dir.path };
    await expect(resolveSigner('env:CHAOSLAB_TEST_NO_SUCH_KEY', options)).rejects.toMatchObject({ code: 'CHAOSLAB_SIGNING_KEY' });
    writeFileSync(join(dir.path, 'junk.pem'), 'not a key');
    await expect(resolveSigner('file:junk.pem', options)).rejects.toThrow(/not a PEM private key/);
    writeFileSync(join(dir.path, 'rsa.pem'), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await expect(resolveSigner('file:rsa.pem', options)).rejects.toThrow(/an Ed25519 private key is needed, this is rsa/);
  });

  it('signs the files of a folder; any edit of the body or the signature breaks it', async () => {
    const folder = join(dir.path, 'run');
    writeFileSync(join(dir.path, 'key.pem'), generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const signer = await resolveSigner('file:key.pem', { stateDir: dir.path, labName: 'lab', cwd: dir.path });
    mkdirSync(join(folder, 'evidence'), { recursive: true });
    writeFileSync(join(folder, 'events.jsonl'), '{"v":1,"seq":1,"runId":"r1"}\n');
    writeFileSync(join(folder, 'evidence', 'shot.png'), 'png');
    const manifest = await writeManifest(folder, { kind: 'run', runId: 'r1', argv: ['run'], version: '0.0.0', logs: ['events.jsonl'], signer });
    expect(manifest.artifacts.map((a) => a.path)).toEqual(['events.jsonl', 'evidence/shot.png']);
    expect(manifest.logs[0]).toMatchObject({ runId: 'r1', events: 1 });
    const onDisk = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as Manifest;
    expect(signatureKey(onDisk)).toBeDefined();
    expect(signatureKey({ ...onDisk, argv: ['run', '--other'] })).toBeUndefined();
    expect(signatureKey({ ...onDisk, signature: { ...onDisk.signature, value: Buffer.alloc(64).toString('base64') } })).toBeUndefined();
  });
});

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SecretResolver } from '../config/secrets.js';
import { ChaoslabError, errorMessage } from '../core/errors.js';

/**
 * The Ed25519 key that signs run manifests: `--signing-key file:…|env:…` (a
 * PKCS#8 PEM private key), or else a per-lab key kept under the state
 * directory, created on first use (0600), whose public key the run prints so
 * an auditor can pin it.
 */
export interface ManifestSigner {
  readonly privateKey: KeyObject;
  /** SPKI DER, base64: what manifest.json carries and `verify --public-key` accepts. */
  readonly publicKey: string;
  /** `SHA256:` + unpadded base64 of the SHA-256 of the SPKI DER (the ssh-keygen style). */
  readonly fingerprint: string;
  /** Where the key came from, for people: `--signing-key env:NAME` or the per-lab key file. */
  readonly origin: string;
  /** The per-lab key was created by this call. */
  readonly created: boolean;
}

export function publicKeyBase64(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

export function fingerprintOf(publicKey: KeyObject): string {
  return `SHA256:${createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64').replace(/=+$/, '')}`;
}

function signerFrom(privateKey: KeyObject, origin: string, created: boolean): ManifestSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new ChaoslabError('CHAOSLAB_SIGNING_KEY', `${origin}: an Ed25519 private key is needed, this is ${privateKey.asymmetricKeyType ?? 'not an asymmetric key'}`);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey: publicKeyBase64(publicKey), fingerprint: fingerprintOf(publicKey), origin, created };
}

function parsePrivateKey(pem: string, origin: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new ChaoslabError('CHAOSLAB_SIGNING_KEY', `${origin}: not a PEM private key (${errorMessage(error)}); make one with \`openssl genpkey -algorithm ed25519\``);
  }
}

/** `<state dir>/signing/<lab>.pem`: one key per lab name, so every run of a lab is signed alike. */
export function labKeyPath(stateDir: string, labName: string): string {
  return join(stateDir, 'signing', `${labName.replace(/[^A-Za-z0-9._-]+/g, '_') || 'lab'}.pem`);
}

async function labSigner(stateDir: string, labName: string): Promise<ManifestSigner> {
  const path = labKeyPath(stateDir, labName);
  if (existsSync(path)) return signerFrom(parsePrivateKey(await readFile(path, 'utf8'), path), `the per-lab key ${path}`, false);
  await mkdir(join(stateDir, 'signing'), { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // `wx`: two runs of one lab starting at once must not replace each other's new key
  try {
    await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return labSigner(stateDir, labName);
    throw new ChaoslabError('CHAOSLAB_SIGNING_KEY', `cannot create the per-lab signing key ${path}: ${errorMessage(error)}`);
  }
  await writeFile(`${path.replace(/\.pem$/, '')}.pub.pem`, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  return signerFrom(privateKey, `the per-lab key ${path}`, true);
}

/** Resolves `--signing-key`, else the lab's own key. A bad reference or key is a usage error (exit 2), found before anything runs. */
export async function resolveSigner(ref: string | undefined, options: { stateDir: string; labName: string; cwd?: string }): Promise<ManifestSigner> {
  if (ref === undefined) return labSigner(options.stateDir, options.labName);
  let pem: string;
  try {
    pem = await new SecretResolver(options.cwd ?? process.cwd()).resolve(ref);
  } catch (error) {
    throw new ChaoslabError('CHAOSLAB_SIGNING_KEY', `--signing-key: ${errorMessage(error)}`);
  }
  return signerFrom(parsePrivateKey(pem, `--signing-key ${ref}`), `--signing-key ${ref}`, false);
}

/** A public key as `verify --public-key` is given it: PEM (SPKI) or the base64 DER manifest.json carries. */
export function parsePublicKey(text: string, origin: string): KeyObject {
  const trimmed = text.trim();
  try {
    const publicKey = trimmed.startsWith('-----') ? createPublicKey(trimmed) : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`a ${publicKey.asymmetricKeyType} key, not Ed25519`);
    return publicKey;
  } catch (error) {
    throw new ChaoslabError('CHAOSLAB_SIGNING_KEY', `${origin}: not an Ed25519 public key (${errorMessage(error)})`);
  }
}

/**
 * A key someone pins (`verify --public-key`, `report --trust-key`): a fingerprint
 * (`SHA256:…`, as the HTML scorecard shows it), `file:` or `env:` with the key,
 * or the key itself (PEM or base64). A reference that is not an Ed25519 public
 * key is a usage error (exit 2).
 */
export async function fingerprintFromRef(ref: string, option: string): Promise<string> {
  if (/^SHA256:[A-Za-z0-9+/]{43}$/.test(ref)) return ref;
  let text = ref;
  if (ref.startsWith('file:')) {
    try {
      text = await readFile(resolve(ref.slice(5)), 'utf8');
    } catch (error) {
      throw new ChaoslabError('CHAOSLAB_USAGE', `${option} ${ref}: cannot read it (${errorMessage(error)})`);
    }
  } else if (ref.startsWith('env:')) {
    const value = process.env[ref.slice(4)];
    if (!value) throw new ChaoslabError('CHAOSLAB_USAGE', `${option} ${ref}: environment variable ${ref.slice(4)} is not set`);
    text = value;
  }
  return fingerprintOf(parsePublicKey(text, `${option} ${ref.startsWith('file:') || ref.startsWith('env:') ? ref : '(given)'}`));
}

/** The fingerprint of a lab's own key, when this state directory has one (it is not created for asking). */
export async function labKeyFingerprint(stateDir: string, labName: string): Promise<string | undefined> {
  const path = labKeyPath(stateDir, labName);
  if (!existsSync(path)) return undefined;
  return signerFrom(parsePrivateKey(await readFile(path, 'utf8'), path), path, false).fingerprint;
}

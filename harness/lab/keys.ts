import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChaoslabError } from '../core/errors.js';

/**
 * Per-lab SSH material under lab/.state/<lab>/ (git-ignored): the client key
 * chaoslab logs in with, and the host key every lab host presents, so that a
 * known_hosts file can pin it instead of trusting any key.
 */
export interface LabKeys {
  readonly clientKey: string;
  readonly clientPublicKey: string;
  readonly hostKey: string;
  /** The host private key itself, handed to each lab host at start. */
  readonly hostKeyText: string;
  readonly hostPublicKey: string;
  readonly knownHosts: string;
}

function keygen(path: string, comment: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => reject(new ChaoslabError('CHAOSLAB_LAB_ENGINE', `ssh-keygen: ${error.message} (install openssh-client)`, { cause: error })));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new ChaoslabError('CHAOSLAB_LAB_ENGINE', `ssh-keygen exited ${code}: ${stderr.trim()}`))));
  });
}

export async function ensureLabKeys(stateDir: string, labName: string): Promise<LabKeys> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const clientKey = join(stateDir, 'id_ed25519');
  const hostKey = join(stateDir, 'ssh_host_ed25519_key');
  if (!existsSync(clientKey)) await keygen(clientKey, `chaoslab@${labName}`);
  if (!existsSync(hostKey)) await keygen(hostKey, `host@${labName}`);
  return {
    clientKey,
    clientPublicKey: (await readFile(`${clientKey}.pub`, 'utf8')).trim(),
    hostKey,
    hostKeyText: await readFile(hostKey, 'utf8'),
    hostPublicKey: (await readFile(`${hostKey}.pub`, 'utf8')).trim(),
    knownHosts: join(stateDir, 'known_hosts'),
  };
}

/** One `[127.0.0.1]:port key` line per published SSH port, all pinning the lab's host key. */
export async function writeKnownHosts(keys: LabKeys, address: string, ports: readonly number[]): Promise<void> {
  const [keyType, keyBase64] = keys.hostPublicKey.split(/\s+/);
  const lines = ports.map((port) => `${port === 22 ? address : `[${address}]:${port}`} ${keyType} ${keyBase64}`);
  await writeFile(keys.knownHosts, `${lines.join('\n')}\n`, { mode: 0o600 });
}

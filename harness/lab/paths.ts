import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The chaoslab checkout this code runs from (`harness/lab` under tsx, or
 * `dist/harness/lab` once built): the lab image inputs and healer live there.
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'chaoslab') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the chaoslab project root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Where a lab's generated keys and resolved inventory live (git-ignored). */
export function labStateDir(labName: string, root = projectRoot()): string {
  return join(root, 'lab/.state', labName);
}

/** Labels on everything a container lab creates; `down` removes by them. */
export const LAB_LABEL = 'io.chaoslab.lab';
export const HOST_LABEL = 'io.chaoslab.host';
/** The reference healer's HTTP API port inside each lab host. */
export const HEALER_PORT = 7070;

export const containerName = (lab: string, host: string): string => `chaoslab-${lab}-${host}`;
export const networkName = (lab: string): string => `chaoslab-${lab}`;

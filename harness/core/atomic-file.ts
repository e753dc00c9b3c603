import { rename, writeFile } from 'node:fs/promises';

/**
 * Writes `data` to `path` through `<path>.<pid>.tmp` and a rename, so a reader
 * sees the old file or the new one, never half of one. `mode` applies to the
 * new file (the rename keeps it).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, data, options.mode === undefined ? {} : { mode: options.mode });
  await rename(temp, path);
}

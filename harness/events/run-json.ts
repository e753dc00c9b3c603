import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunModel } from '../model/run-model.js';

/** reports/<run-id>/run.json — the folded model, replaced atomically so a reader never sees half of it. */
export async function writeRunJson(runDir: string, model: RunModel): Promise<string> {
  const path = join(runDir, 'run.json');
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(model, null, 2)}\n`);
  await rename(temp, path);
  return path;
}

import { join } from 'node:path';
import { writeArtifact } from '../core/artifact-file.js';
import type { RunModel } from '../model/run-model.js';

/** reports/<run-id>/run.json — the folded model, replaced atomically so a reader never sees half of it. */
export async function writeRunJson(runDir: string, model: RunModel): Promise<string> {
  const path = join(runDir, 'run.json');
  await writeArtifact(path, `${JSON.stringify(model, null, 2)}\n`, { atomic: true });
  return path;
}

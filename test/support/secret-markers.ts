import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A test secret built from what escaping changes (a quote, a backslash and,
 * when asked, a newline), with a random marker on each line. Whatever form of
 * it reaches a file — raw, JSON-escaped once or twice, HTML- or URL-encoded,
 * or cut short after its marker — the marker is still there to find.
 */
export interface MarkedSecret {
  readonly value: string;
  readonly markers: readonly string[];
}

export function markedSecret(label: string, options: { multiline?: boolean } = {}): MarkedSecret {
  const first = `${label}-${randomBytes(6).toString('hex')}`;
  if (!options.multiline) return { value: `${label}"q\\b-${first}`, markers: [first] };
  const second = `line-two-${randomBytes(6).toString('hex')}`;
  return { value: `${label}"q\\b-${first}\n${second}`, markers: [first, second] };
}

/** The markers of these secrets that occur in the text. */
export function markersIn(text: string, secrets: readonly MarkedSecret[]): string[] {
  return secrets.flatMap((secret) => secret.markers.filter((marker) => text.includes(marker)));
}

/** `path: marker` for every file under `dir` (recursively) that holds a marker of these secrets. */
export async function filesHoldingMarkers(dir: string, secrets: readonly MarkedSecret[]): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    for (const marker of markersIn(await readFile(path, 'latin1'), secrets)) found.push(`${path}: ${marker}`);
  }
  return found;
}

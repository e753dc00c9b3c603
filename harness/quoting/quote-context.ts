import { posixSites } from './posix-context.js';
import { powershellSites } from './powershell-context.js';
import type { ShellKind } from './shell.js';
import type { Site } from './site.js';

export type { Site, SiteContext } from './site.js';

/** The site of each of `positions` (offsets of `{{` in `template`), scanning with every `{{…}}` treated as an opaque word. */
export function sitesAt(template: string, shell: ShellKind, positions: readonly number[]): Site[] {
  const wanted = new Set(positions);
  const found = shell === 'posix' ? posixSites(template, wanted) : powershellSites(template, wanted);
  // a position the scan never reached lies after an unterminated `{{`, which the template parser refuses first
  return positions.map((position) => found.get(position) ?? { context: 'refused', why: 'where the template could not be read' });
}

/** Why a value cannot sit at a refused site; undefined where it can. */
export function siteProblem(site: Site, expression: string): string | undefined {
  return site.context === 'refused' ? `${expression} sits ${site.why}` : undefined;
}


import { copyFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-cli.js';
import { tempDir } from '../support/tmp.js';

async function modes(dir: string): Promise<{ dir: number; files: Record<string, number> }> {
  const files: Record<string, number> = {};
  for (const name of await readdir(dir)) files[name] = (await stat(join(dir, name))).mode & 0o777;
  return { dir: (await stat(dir)).mode & 0o777, files };
}

/** Reports carry what lab hosts printed: private to the user unless a CI job asks to share them. */
describe('report folder permissions', () => {
  it('writes 0700 folders and 0600 files by default, 0755/0644 with --shared-reports', async () => {
    await using dir = await tempDir();
    const log = join(dir.path, 'events.jsonl');
    await copyFile('test/fixtures/runs/catalogue-16/events.jsonl', log);
    const args = ['report', log, '--reporter', 'html,markdown,junit,json', '--history', '0', '--reports', join(dir.path, 'reports')];

    const quiet = await runCli([...args, '--out', join(dir.path, 'private')], { cwd: dir.path });
    expect(quiet.stderr).toBe('');
    const own = await modes(join(dir.path, 'private'));
    expect(Object.keys(own.files).sort()).toEqual(['index.html', 'junit.xml', 'manifest.json', 'report.json', 'summary.md']);
    expect(own).toEqual({ dir: 0o700, files: Object.fromEntries(Object.keys(own.files).map((name) => [name, 0o600])) });

    await runCli([...args, '--out', join(dir.path, 'shared'), '--shared-reports'], { cwd: dir.path });
    const shared = await modes(join(dir.path, 'shared'));
    expect(shared).toEqual({ dir: 0o755, files: Object.fromEntries(Object.keys(own.files).map((name) => [name, 0o644])) });
  });
});

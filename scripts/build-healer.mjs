#!/usr/bin/env node
// Bundles the reference healer (lab/healer/src) into ONE file for the lab image:
// Debian bookworm's nodejs is v18, so the bundle targets node18 and carries its
// dependencies (yaml) inside. Output: lab/healer/dist/healer.mjs.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'lab/healer/dist/healer.mjs');
const started = Date.now();
await build({
  entryPoints: [join(root, 'lab/healer/src/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'esm',
  legalComments: 'none',
  // yaml is CommonJS: its require() calls need a real require inside an ES module.
  banner: {
    js: [
      '// chaoslab reference healer, bundled by scripts/build-healer.mjs; edit lab/healer/src instead.',
      "import { createRequire as __chaoslabCreateRequire } from 'node:module';",
      'const require = __chaoslabCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  logLevel: 'warning',
});
console.log(`healer bundled to ${outfile} in ${Date.now() - started}ms`);

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pwshPath } from '../pwsh.js';
import { modelPrelude } from './run.js';

/**
 * A `powershell.exe` stand-in for OpenSSH tests: chaoslab sends
 * `powershell.exe -NoProfile … -EncodedCommand <base64>`, and Linux has no
 * powershell.exe, so this script on the session's PATH decodes the command,
 * puts the Windows model's prelude before it, and runs it in real pwsh (7, not
 * Windows PowerShell 5.1). Everything else — the login shell around it, exit
 * codes, CLIXML on stderr — is real.
 */
const SHIM = `#!/bin/sh
# powershell.exe stand-in (test/support/windows-model/powershell-exe-shim.ts): runs the
# -EncodedCommand it is given in real pwsh, after the Windows model's prelude.
enc=
while [ $# -gt 0 ]; do
  case "$1" in -EncodedCommand|-enc|-e|-ec) shift; enc=$1 ;; esac
  shift
done
script=$( { cat "$CHAOSLAB_MODEL_PRELUDE"; printf '\\n'; printf %s "$enc" | base64 -d | iconv -f UTF-16LE -t UTF-8; } | iconv -f UTF-8 -t UTF-16LE | base64 -w0)
exec "$CHAOSLAB_PWSH" -NoProfile -NonInteractive -EncodedCommand "$script"
`;

export interface PowerShellShim {
  /** Put this directory first on PATH. */
  readonly binDir: string;
  /** The model's state file: write it before each command. */
  readonly statePath: string;
  /** The environment the shim needs (PATH with binDir first, the prelude and pwsh). */
  readonly env: Record<string, string>;
}

/** Writes the shim and the model prelude (over `dir/state.json`) into `dir`. */
export async function writePowerShellShim(dir: string, constrained: boolean): Promise<PowerShellShim> {
  const binDir = join(dir, 'bin');
  await mkdir(binDir, { recursive: true });
  const statePath = join(dir, 'state.json');
  const preludePath = join(dir, 'model-prelude.ps1');
  await writeFile(preludePath, modelPrelude(statePath, constrained));
  await writeFile(join(binDir, 'powershell.exe'), SHIM);
  await chmod(join(binDir, 'powershell.exe'), 0o755);
  const env = { PATH: `${binDir}:/usr/local/bin:/usr/bin:/bin`, CHAOSLAB_MODEL_PRELUDE: preludePath, CHAOSLAB_PWSH: pwshPath(), NO_COLOR: '1', TERM: 'dumb' };
  return { binDir, statePath, env };
}

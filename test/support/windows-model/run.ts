import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pwshPath } from '../pwsh.js';

/** The model's state document: `role`, `denied`, `unreadable`, `cimFailure` and one key per area. */
export type ModelState = Record<string, unknown>;

export interface ModelRunOptions {
  /** Start from this state (areas it lacks get the role's baseline). */
  readonly state?: ModelState;
  readonly role?: 'dc' | 'srv' | 'ws';
  /** Run the script in ConstrainedLanguage, as under WDAC/AppLocker (the model itself stays FullLanguage, like Windows' signed modules). */
  readonly constrained?: boolean;
  /** Default 5 min: a pwsh start takes tens of seconds on a machine loaded by parallel work. */
  readonly timeoutMs?: number;
}

export interface ModelRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The state after the script ran. */
  readonly state: ModelState;
}

export const MODEL_MODULE = join(import.meta.dirname, 'WindowsModel.psm1');

function quote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The lines run before the script under test: load the model over the state file, then (optionally) lock the language down. */
export function modelPrelude(statePath: string, constrained = false): string {
  return [
    `Import-Module ${quote(MODEL_MODULE)}`,
    `Initialize-WindowsModel -StatePath ${quote(statePath)}`,
    ...(constrained ? ["$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'"] : []),
  ].join('\n');
}

/**
 * Runs `script` in real pwsh against the model, as `powershell -EncodedCommand`
 * runs it on Windows (the prelude goes first, in the same command), and returns
 * what it printed, its exit code and the state it left.
 */
export async function runInModel(script: string, options: ModelRunOptions = {}): Promise<ModelRun> {
  const dir = await mkdtemp(join(tmpdir(), 'chaoslab-winmodel-'));
  try {
    const statePath = join(dir, 'state.json');
    await writeFile(statePath, JSON.stringify({ ...(options.role && { role: options.role }), ...options.state }));
    const full = `${modelPrelude(statePath, options.constrained)}\n${script}`;
    const encoded = Buffer.from(full, 'utf16le').toString('base64');
    const result = await runPwsh(['-NoProfile', '-NonInteractive', '-EncodedCommand', encoded], options.timeoutMs ?? 600_000);
    const state = JSON.parse(await readFile(statePath, 'utf8')) as ModelState;
    return { ...result, state };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Only the model's baseline for a role (what a fresh host holds). */
export async function modelBaseline(role: 'dc' | 'srv' | 'ws' = 'srv', state: ModelState = {}): Promise<ModelState> {
  return (await runInModel('exit 0', { role, state })).state;
}

/** Runs pwsh with `args` (plain output: no colour), killed after `timeoutMs`. */
export function runPwsh(args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(pwshPath(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, NO_COLOR: '1', TERM: 'dumb' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr });
    });
  });
}

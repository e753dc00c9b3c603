import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const BIN = resolve('bin/chaoslab.js');

export interface CliRun {
  readonly child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Exit code (or 128 + signal number when killed by a signal). */
  readonly exited: Promise<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** The built CLI as a user runs it, in its own process (so tests can signal or kill -9 it). */
export function startCli(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): CliRun {
  if (!existsSync(resolve('dist/harness/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolvePromise) => {
    child.on('close', (code, signal) => resolvePromise({ code: code ?? 128, signal, stdout: out, stderr: err }));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function runCli(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }> {
  return startCli(args, options).exited;
}

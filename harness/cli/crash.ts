import { ExitCode } from '../core/exit-codes.js';

/**
 * Process-level safety net. An error nobody awaited (a throw in a server's
 * request handler, a rejected promise without a handler) would otherwise end
 * the process at once, leaving every injected fault live until someone runs
 * `revert --pending`. While a run is active, the first such error stops it the
 * way a first Ctrl-C does (stop injecting, revert what is active, write the
 * report) and the run then exits 3; later ones are only reported, so they
 * cannot cut the reverts short. Outside a run, the error is printed and the
 * process exits 3.
 */
export type CrashStop = (error: unknown) => void;

let stopRun: CrashStop | undefined;
let stopping = false;
let crashed = false;

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function onUnexpectedError(error: unknown): void {
  crashed = true;
  process.stderr.write(`\nchaoslab: unexpected error: ${describe(error)}\n`);
  if (stopping) return;
  if (!stopRun) {
    process.exit(ExitCode.labErrors);
  }
  stopping = true;
  process.stderr.write('chaoslab: stopping the run: reverting active faults before exiting (the journal keeps what cannot be reverted)\n');
  stopRun(error);
}

/** Installed once by the CLI's entry point. */
export function installCrashHandlers(): void {
  process.on('uncaughtException', onUnexpectedError);
  process.on('unhandledRejection', onUnexpectedError);
}

/** While a run injects: an unexpected error calls `stop` (once) instead of exiting. Returns the disposer. */
export function stopRunOnCrash(stop: CrashStop): () => void {
  stopRun = stop;
  return () => {
    if (stopRun === stop) stopRun = undefined;
  };
}

/** True once an unexpected error happened in this process. */
export function crashedSoFar(): boolean {
  return crashed;
}
